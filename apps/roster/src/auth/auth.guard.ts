import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem';
import { IS_PUBLIC } from './public.decorator';
import { bearerToken, TokenVerifier } from './token-verifier';

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      throw new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'AUTH.MISSING_TOKEN',
        'Send `Authorization: Bearer <token>`',
        undefined,
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    request.actor = await this.verifier.verify(token);
    return true;
  }
}
