import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'roster:isPublic';

/** Opens a route (or a controller) to requests without a token: health and docs only. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
