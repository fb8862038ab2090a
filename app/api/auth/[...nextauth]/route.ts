import { handlers } from '@/auth';

/**
 * Auth.js's own endpoints (session, CSRF, sign-out), with their own CSRF checks and answers: not
 * on a route wrapper (lib/http/route.ts), whose JSON errors would replace Auth.js's.
 */
export const { GET, POST } = handlers;
