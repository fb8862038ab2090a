/**
 * The outbound SMTP delivery engine (issue #17): routing, delivery, retry schedule, DSNs,
 * STARTTLS probe and VERP return paths. No database and no environment: the delivery job passes
 * every setting in and records what comes back. See README.md beside this file.
 */
export { resolveRoute, staticResolver, normaliseDomain, parseSmartHost } from './route';
export type { DnsResolver, MxRecord, Route, RouteHost, RouteOptions, SmartHost } from './route';
export { deliver } from './deliver';
export type { DeliverOptions, DeliveryReport, HostAttempt, Outcome, RecipientResult, Timeouts, TlsInfo, TlsMode } from './deliver';
export { retryAt, expire, DEFAULT_RETRY_DAYS } from './retry';
export type { RetryInput } from './retry';
export { buildDsn, dsnRecipientOf } from './dsn';
export type { Dsn, DsnInput, DsnRecipient } from './dsn';
export { probeStartTls } from './probe';
export type { ProbeOptions, StartTlsProbe } from './probe';
export { returnPathFor, parseReturnPath } from './return-path';
export type { ReturnPathKey } from './return-path';
export { parseReply, statusOf } from './reply';
export type { SmtpReply } from './reply';
export { dkimDnsRecord, generateDkimKeyPair, newDkimSelector, signDkim, DKIM_KEY_BITS } from './dkim';
export type { DkimDnsRecord, DkimKey, DkimSigned } from './dkim';
