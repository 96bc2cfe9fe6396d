import { Controller, Get, HttpException, Logger, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from 'nest-keycloak-s2s';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ChainResult, ChainService, DEMO_ORDER } from '../chain.service';
import { PageRenderer } from './page.renderer';
import { PAGE_CSS } from './page.view';
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
    return this.show(request, reply, 'service-a (client credentials)', () =>
      this.chain.runAsService(DEMO_ORDER),
    );
  }

  @Post('ui/call-service-b-as-user')
  @UseGuards(SameOriginGuard)
  @ApiOperation({ summary: "The page's button: the chain as the logged-in user, answered as the page" })
  async callAsUser(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    let session;
    try {
      session = await this.sessions.current(request);
    } catch (error) {
      return this.show(request, reply, 'the user', () => Promise.reject(error));
    }
    return this.show(request, reply, session?.user?.username ?? 'the user', async () =>
      this.chain.runAsUser(DEMO_ORDER, await this.sessions.accessToken(session)),
    );
  }

  private async show(
    request: FastifyRequest,
    reply: FastifyReply,
    caller: string,
    run: () => Promise<ChainResult>,
  ) {
    try {
      const chain = await run();
      const user = await this.sessions.userIfAvailable(request);
      return this.page.send(reply, 200, { user, result: { heading: `Called as ${caller}`, chain } });
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
