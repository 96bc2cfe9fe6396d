import { CanActivate, ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { ServiceAEnv } from './bff-env';

/** `POST /auth/token`: a username and password (the internal login, password grant). */
export class PasswordLoginDto {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'alice' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  username!: string;

  @ApiProperty({ minLength: 1, maxLength: 1024, format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;
}

/** `POST /auth/refresh`: the refresh token the internal login returned. */
export class RefreshDto {
  @ApiProperty({ minLength: 1, maxLength: 8192, description: 'The refresh token POST /auth/token answered' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(8192)
  refresh_token!: string;
}

/**
 * The password grant hands a user's password to service-a; only trusted internal apps may do that.
 * Unless ENABLE_PASSWORD_GRANT=true the endpoints do not exist: 404, as for any unknown route.
 */
@Injectable()
export class PasswordGrantEnabledGuard implements CanActivate {
  private readonly enabled: boolean;

  constructor(config: ConfigService<ServiceAEnv, true>) {
    this.enabled = config.get('ENABLE_PASSWORD_GRANT', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.enabled) return true;
    const request = context.switchToHttp().getRequest<{ method: string; url: string }>();
    throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
  }
}
