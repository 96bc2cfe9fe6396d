import { Controller, Get, HttpException, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from 'nest-keycloak-s2s';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ChainService, DEMO_ORDER } from '../chain.service';
import { PageRenderer } from './page.renderer';
import { PAGE_CSS, PageModel } from './page.view';
import { SameOriginGuard } from './same-origin.guard';
import { SessionService } from './session.service';

/**
 * The page ("Call Service B" as service-a, plus the user's login and the call on their behalf): plain server-rendered HTML and forms, no
 * script. Each button posts, and the answer is the page again with the hops' claims or a readable error.
 */
@Public()
@ApiTags('page')
@ApiProduces('text/html')
@ApiOkResponse({ description: 'The page (HTML); a failed call is the page with the error and its status' })
@Controller()
export class PageController {
  private readonly logger = new Logger(PageController.name);

  constructor(
    private readonly chain: ChainService,
    private readonly sessions: SessionService,
    private readonly page: PageRenderer,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The page (HTML): call the chain as service-a, or log in and call it as the user',
  })
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page.send(reply, 200, { user: await this.sessions.userIfAvailable(request) });
  }

  @Get('assets/page.css')
  @ApiExcludeEndpoint()
  css(@Res() reply: FastifyReply) {
    return reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'max-age=300')
      .send(PAGE_CSS);
  }

  @Post('ui/call-service-b')
  @UseGuards(SameOriginGuard)
  @ApiOperation({ summary: "The page's button: the chain as service-a, answered as the page" })
  callAsService(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.show(request, reply, 'service-a (client credentials)', async (heading) => ({
      result: { heading, chain: await this.chain.runAsService(DEMO_ORDER) },
    }));
  }

  @Post('ui/approve-order')
  @UseGuards(SameOriginGuard)
  @ApiOperation({
    summary: "The page's button: service-b approves the demo order for service-a, answered as the page",
  })
  approveAsService(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.show(request, reply, 'service-a (client credentials)', async (heading) => ({
      approval: { heading, answer: await this.chain.approveAsService(DEMO_ORDER.order_id) },
    }));
  }

  @Post('ui/approve-order-as-user')
  @UseGuards(SameOriginGuard)
  @ApiOperation({
    summary: "The page's button: service-b approves the demo order for the user, answered as the page",
  })
  approveAsUser(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.showAsUser(request, reply, async (heading, accessToken) => ({
      approval: { heading, answer: await this.chain.approveAsUser(DEMO_ORDER.order_id, accessToken) },
    }));
  }

  @Post('ui/call-service-b-as-user')
  @UseGuards(SameOriginGuard)
  @ApiOperation({ summary: "The page's button: the chain as the logged-in user, answered as the page" })
  callAsUser(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.showAsUser(request, reply, async (heading, accessToken) => ({
      result: { heading, chain: await this.chain.runAsUser(DEMO_ORDER, accessToken) },
    }));
  }

  /** {@link show} on behalf of the logged-in user: their session's access token (refreshed if due) for `run`. */
  private async showAsUser(
    request: FastifyRequest,
    reply: FastifyReply,
    run: (heading: string, accessToken: string) => Promise<Pick<PageModel, 'result' | 'approval'>>,
  ) {
    let session;
    try {
      session = await this.sessions.current(request);
    } catch (error) {
      return this.show(request, reply, 'the user', () => Promise.reject(error));
    }
    return this.show(request, reply, session?.user?.username ?? 'the user', async (heading) =>
      run(heading, await this.sessions.accessToken(session)),
    );
  }

  private async show(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: string,
    run: (heading: string) => Promise<Pick<PageModel, 'result' | 'approval'>>,
  ) {
    try {
      const shown = await run(`Called as ${caller}`);
      const user = await this.sessions.userIfAvailable(request);
      return this.page.send(reply, 200, { user, ...shown });
    } catch (error) {
      const user = await this.sessions.userIfAvailable(request);
      if (error instanceof HttpException)
        return this.page.send(reply, error.getStatus(), {
          user,
          error: { heading: `The call as ${caller} failed`, message: PageRenderer.messageOf(error) },
        });
      this.logger.error(`call as ${caller} failed: ${(error as Error).message}`);
      return this.page.send(reply, 500, {
        user,
        error: { heading: `The call as ${caller} failed`, message: 'service-a could not complete the call' },
      });
    }
  }
}
