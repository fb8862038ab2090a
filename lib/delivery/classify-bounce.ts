/**
 * The bounce classifier: from whatever an event or a bounce message carries — the SMTP
 * reply code, the RFC 3463 enhanced status code (all three parts), the DSN `Action`, the
 * diagnostic text and the reporting system — a **reason** from a fixed taxonomy and a **class**:
 * `hard` only when the address itself is dead (user unknown, host unknown, moved, mailbox
 * permanently closed), `soft` otherwise. A full mailbox or a spam block is not a dead address even
 * with a 5xx code, so the class is never read from the first digit alone.
 *
 * Order of evidence, most specific first:
 *   1. provider codes that mean one thing (Microsoft 5.7.509 DMARC, 5.4.316 expired, 5.7.6xx
 *      banned sender; Google 5.7.26);
 *   2. the diagnostic text, in many phrasings and several languages (EN, DE, FR, ES, NL, IT, PT),
 *      because many servers send 5.0.0, 5.7.1 or no code at all and say what they mean in words;
 *   3. the enhanced status code's subject.detail (5.1.1 user unknown, 5.2.2 mailbox full …);
 *   4. the bare SMTP reply code where it is specific (552 → mailbox full, 554 → policy);
 *   5. a DSN that gave up after temporary failures (`Action: failed` with a 4.x.x status) is
 *      `expired` unless the text says something more precise about the address.
 *
 * Pure and fast: no I/O, the text is cut to its first 4,000 characters and matched with a fixed
 * list of linear regular expressions (no nested quantifiers), so classification is linear in the
 * (bounded) input. The bench classifies far more than 2,000 messages a second.
 */

export const BOUNCE_REASONS = [
  'user_unknown',
  'host_unknown',
  'mailbox_full',
  'message_too_big',
  'spam_blocked',
  'policy_blocked',
  'auth_failure',
  'content_rejected',
  'expired',
  'network_error',
  'relaying_denied',
  'mailbox_disabled',
  'moved',
  'rate_limited',
  'system_error',
  'other',
] as const;
export type BounceReason = (typeof BOUNCE_REASONS)[number];
export type BounceClassValue = 'hard' | 'soft';
/** Whose side the problem is on: the recipient's address or server, our own sending, or a policy of the receiver. */
export type BounceSide = 'recipient' | 'sending' | 'policy' | 'unknown';

/** Labels for screens and exports, in the words /delivery-events uses. */
export const REASON_LABELS: Readonly<Record<BounceReason, string>> = {
  user_unknown: 'User unknown',
  host_unknown: 'Host unknown',
  mailbox_full: 'Mailbox full',
  message_too_big: 'Message too big',
  spam_blocked: 'Blocked as spam',
  policy_blocked: 'Blocked by policy or reputation',
  auth_failure: 'Authentication failure (SPF/DKIM/DMARC)',
  content_rejected: 'Content rejected',
  expired: 'Expired (gave up retrying)',
  network_error: 'Network error',
  relaying_denied: 'Relaying denied',
  mailbox_disabled: 'Mailbox disabled or suspended',
  moved: 'Moved',
  rate_limited: 'Rate limited',
  system_error: 'System error',
  other: 'Other',
};

export type ClassifyBounceInput = {
  smtpCode?: number | null;
  /** RFC 3463 `class.subject.detail`; empty or absent when none was given. */
  enhancedCode?: string | null;
  /** RFC 3464 `Action`: failed, delayed, delivered, relayed, expanded. */
  action?: string | null;
  diagnostic?: string | null;
  /** The reporting MTA or remote server (host name), used for provider-specific readings. */
  reportingSystem?: string | null;
};

export type BounceClassification = {
  reason: BounceReason;
  class: BounceClassValue;
  /** The enhanced code used (given, or found in the diagnostic text); '' when none. */
  enhancedCode: string;
  /** The SMTP code used (given, or found in the diagnostic text). */
  smtpCode: number | null;
};

/** Longest diagnostic text read; bounces put the useful words first. */
const MAX_TEXT = 4000;

const ENHANCED_IN_TEXT = /(?:^|[^\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/;
const SMTP_IN_TEXT = /(?:^|[^\d.#])([245][0-5]\d)(?:[ -]|$)/;
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** Lower case, accents removed (é → e, ß → ss), whitespace collapsed: one pattern serves several spellings. */
export function normaliseDiagnostic(text: string): string {
  return text
    .slice(0, MAX_TEXT)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/\s+/g, ' ');
}

type Rule = readonly [BounceReason, RegExp];

/**
 * Diagnostic phrasings, checked in this order: the first match wins, so the more specific
 * readings (authentication before a generic block; spam before policy; full before unknown —
 * "mailbox full" must not read as "mailbox unavailable") come first.
 */
const TEXT_RULES: readonly Rule[] = [
  // Relaying denied: the server is not the recipient's.
  ['relaying_denied', /relay(ing)? (access )?(denied|not permitted|not allowed|prohibited|refused)|(not|unable to) relay|we do not relay|relay not permitted|no relaying|relaying (is )?(not )?(permitted|allowed|denied)|not allowed to relay|relay access denied|relais (refuse|interdit|non autorise)|relaying .{0,20}refused|kein relaying|relay verboten|relaying nicht erlaubt|relay no permitido|no se permite (el )?relay|relay non (consentito|permesso)|relay niet toegestaan|relay nao permitido|unable to relay|sorry, that domain isn't in my list of allowed rcpthosts|not in my list of allowed rcpthosts|rcpthosts|5\.7\.64\b|tenantinboundattribution/],
  // Authentication of the sender: SPF, DKIM, DMARC, ARC, reverse DNS of our sending host is policy.
  ['auth_failure', /\b(spf|dkim|dmarc)\b.{0,60}\b(fail|failed|failure|check|validation|policy|reject|not pass|did not pass|alignment|unauthenticated|hard ?fail|permerror|temperror|not authori[sz]ed)|\b(fail(ed|s)?|failure|does not pass|did not pass|didn't pass)\b.{0,40}\b(spf|dkim|dmarc)\b|unauthenticated (email|mail|message|sender)|not authenticated|sender (is )?not authori[sz]ed|not (an )?authori[sz]ed (sender|host|ip|mail ?server)|(is|are) not permitted to send|not designated as permitted sender|authentication (required|failure|failed|checks? failed)|5\.7\.26|5\.7\.509|5\.7\.23\b|5\.7\.27|missing dkim|dkim signature|sender policy framework|does not meet .{0,30}authentication requirements|message (was )?not authenticated|dmarc policy|authentification (spf|dkim|dmarc)|autenticacion|authentifizierung/],
  // Refusals of our sender address or sending host, and DNS block lists: before the address readings,
  // whose words ("address rejected", "domain not found") they share.
  ['policy_blocked', /sender (address )?(rejected|refused|denied|blocked|verify failed)|sender domain (not found|must exist|does not exist|unknown)|mail from .{0,60}(rejected|refused|denied)|(listed|blocked) (in|on|at|by|using) .{0,60}(spamhaus|spamcop|barracuda|sorbs|dnsbl|rbl|blacklist|blocklist|uceprotect|zen\.|bl\.|psbl|dnswl)|spamhaus|spamcop|barracudacentral|uceprotect|\bsorbs\b|dnsbl|\brbl\b|black ?list|block ?list|blocked using|\b(sbl|xbl|pbl|cbl)\b|(poor|bad|low|insufficient|negative) (ip |sender |domain )?reputation|reputation (is|of|too)|client host .{0,60}(blocked|rejected|refused)|banned sending ip|blocked sending ip|on the suppression list/],
  // Mailbox full / over quota, before "too big" ("mailbox size limit exceeded" is a full mailbox).
  ['mailbox_full', /mail ?box (is )?(full|over ?quota|exceeded|has exceeded|size limit|storage limit)|no space left|exceeded storage allocation|too many messages on the server|space has been used up|quota violation|would exceed .{0,30}(storage|quota)|(quota|storage) (exceeded|is full|full|limit (exceeded|reached))|over ?quota|exceeded (its |the |his |her |their )?(storage|quota|mailbox)|(insufficient|not enough|out of) (disk |storage )?(space|storage)|(user|recipient|account|inbox|mailfolder|folder)('s)? (is )?(full|over (its |the )?quota|has exceeded)|mailfolder is full|mailbox (size|quota)|disk quota|quota (de|van|di|del)|full mailbox|inbox is full|is over (its |the )?(quota|storage)|(account|mailbox) .{0,30}(exceeded|over) .{0,20}(quota|storage|limit)|too many messages (in|on) (the )?(mailbox|account)|postfach (ist )?(voll|u?e?berfu?e?llt)|speicher(platz|grenze)? .{0,20}(voll|erschopft|erscho?e?pft|u?e?berschritten)|quota .{0,20}u?e?berschritten|boite (aux lettres |mail )?(est )?pleine|boite .{0,20}pleine|quota (est )?depasse|espace (de stockage )?insuffisant|buzon (esta )?(lleno|completo)|cuota .{0,20}(excedida|superada)|brievenbus (is )?vol|mailbox (is )?vol|quotum .{0,20}overschreden|casella (di posta )?(piena|e piena)|quota .{0,20}superata|spazio .{0,20}esaurito|caixa (de correio |postal )?(esta )?(cheia|lotada)|cota .{0,20}excedida|5\.2\.2|4\.2\.2/],
  // Too big.
  ['message_too_big', /message (size )?(is )?(too (big|large|long))|(message|mail) size (exceeds|is over|too)|(message|mail|e-?mail|attachment) size (limit|exceeds|exceeded)|exceeds (the )?(maximum|max|size|fixed maximum|message size|allowed|storage)? ?(message )?(size|length)|message length exceeds|too (big|large) for (this|the)|(larger|bigger) than (the )?(maximum|allowed|permitted|server)|maximum (message )?size|mail(s)? too large|message exceeds .{0,30}(limit|size)|exceeded .{0,20}message size|nachricht (ist )?zu gross|zu gross|mail zu gross|gro?e?sse .{0,20}u?e?berschritten|message trop (gros|volumineux)|taille .{0,30}(depasse|trop|maximale)|mensaje (demasiado grande|excede)|tamano .{0,30}(excede|maximo)|bericht (is )?te groot|te groot|messaggio troppo grande|dimensione .{0,30}(supera|massima)|mensagem (muito grande|excede)|tamanho .{0,30}(excede|maximo)|5\.3\.4|5\.2\.3/],
  // Gave up: said in so many words (a DSN's Action and status are read separately).
  ['expired', /retry timeout exceeded|retry time not reached .{0,40}(long|failure)|(message|mail) (has )?expired|delivery time expired|too long in (the )?queue|(been|was|is) (in|on) the queue (for )?too long|could not be delivered (within|in|for) .{0,20}(days|hours)|cannot send message for .{0,10}(days|hours)|gave up|giving up|queue\.expired/],
  // The receiving system is looping or its local delivery program failed.
  ['system_error', /command died|command output|too many hops|hop count exceeded|(mail )?loop(s|ing)? (detected|back to myself)|loops back to myself|message is looping|routing loop/],
  // The connection itself failed (before the policy words: "connection refused" is not a block).
  ['network_error', /connect(ion)? to .{0,80}(refused|timed out)|^connection (refused|timed out|reset)|connection reset by peer|no route to host|network is unreachable|host is unreachable/],
  // Moved: the mailbox has a new address.
  ['moved', /has been replaced by|(has |have )?(moved|been moved) (to|permanently)|no longer (at|with) this (address|domain)|new (e-?mail )?address (is|:)|forwarding address|(user|recipient|mailbox) has moved|address (has )?changed|please (use|write to|send to) .{0,40}(instead|new)|5\.1\.6|551[ -]user not local|user not local; please try|umgezogen|a demenage|nueva direccion|nieuwe adres|nuovo indirizzo|novo endereco/],
  // Mailbox disabled / suspended / closed (before user unknown: "account disabled" is more precise).
  ['mailbox_disabled', /(account|mailbox|mail ?box|user|address|recipient|inbox|e-?mail)('s)? (has been |is |was |temporarily |permanently |currently )*(disabled|deactivated|suspended|inactive|locked|blocked by (the )?administrator|closed|frozen|terminated|deleted|expired|not active|no longer active|on hold|unavailable due to inactivity)|(disabled|suspended|inactive|deactivated|closed|locked|frozen|expired) (e-?mail )?(account|mailbox|user|recipient|address)|mailbox (currently )?(unavailable|not available)( \(|,| -| for)? (for )?(inactivity|suspended|disabled)|no longer (active|in use|available|valid|used)|not in use|account (has been )?(removed|cancel+ed)|(konto|postfach|benutzer) .{0,30}(deaktiviert|gesperrt|stillgelegt|inaktiv|gelo?e?scht|geschlossen)|compte .{0,30}(desactive|suspendu|ferme|bloque|inactif)|boite .{0,30}(desactivee|suspendue|fermee)|cuenta .{0,30}(desactivada|suspendida|inactiva|bloqueada|cerrada)|account .{0,20}(gedeactiveerd|opgeschort|geblokkeerd)|account .{0,20}(disattivato|sospeso|bloccato|disabilitato)|conta .{0,30}(desativada|suspensa|bloqueada|inativa)|5\.2\.1\b|mailbox disabled|access denied.{0,20}disabled/],
  // Host unknown: the domain has no mail server, or does not exist, or takes no mail (null MX).
  ['host_unknown', /host (or domain name )?(un ?known|not found)|unrouteable address|unroutable address|(host|domain|host\/domain) does not accept mail|mail receiving disabled|no mx record found|domain is not reachable|(recipient )?domain must exist|the account or domain may not exist|unknown (host|domain|mail (host|domain))|no such (domain|host)|domain (name )?(not found|does not exist|doesn't exist|is not valid|unknown|not exist|could not be found|lookup failed|has no (mx|mail)|invalid)|(invalid|bad|non-?existent) (domain|host)|name or service not known|nxdomain|no mx (record|host|found)|no (valid )?(mx|mail exchanger|mail server|dns)( records?)? (for|found)|mx (lookup|record) .{0,20}(fail|not found|does not exist|missing)|null mx|domain (does not|doesn't) (accept|receive) (mail|email)|does not accept mail|unrouteable (mail )?domain|unroutable domain|no route (found )?to domain|host not found|could not resolve|unable to resolve|dns (error|lookup|failure).{0,40}(not exist|no such|nxdomain|not found|no mx|domain)|domain (ist )?(unbekannt|existiert nicht)|unbekannte domain|domaine (inconnu|introuvable|inexistant|n'existe pas)|dominio (desconocido|inexistente|inesistente|no existe|sconosciuto|non esiste|desconhecido|nao existe)|domein (is )?(onbekend|bestaat niet)|5\.1\.2|5\.1\.10 .{0,20}null mx|5\.4\.4|5\.7\.27/],
  // User unknown.
  ['user_unknown', /(user|recipient|mailbox|mail ?box|address|addressee|account|local ?part|destination|e-?mail|alias|name|username|person|member)( name)?('s)? (is )?(un ?known|not (found|known|exist|existing|valid|recogni[sz]ed|listed|local|present|available here|in)|does ?n[o']t exist|doesn't exist|invalid|non-?existent|unavailable|not available)|no (such|valid) (user|recipient|mailbox|mail ?box|address|account|person|local user|local part|alias)|unknown (user|recipient|address|mailbox|mail ?box|account|local ?part|alias|e-?mail)|invalid (recipient|mailbox|mail ?box|address|user|account|e-?mail( address)?|destination)|(recipient|user|mailbox|address|account) (name )?(is )?(not|no longer) (valid|recogni[sz]ed)|(doesn'?t|does not) (exist|have an account|have a mailbox)|does not have a mailbox|(not|isn't) a valid (user|recipient|mailbox|address)|bad (destination )?(recipient|mailbox|address)|undeliverable address|(address|recipient|user|mailbox) (was not|could not be|couldn't be|cannot be|can't be) found|does not specify a valid|address you entered (couldn't|could not|can't|cannot) be found|not listed in (the )?(domino )?directory|domain or user isn't in my list of allowed rcpthosts|this address no longer accepts mail|recipient (is )?not accepted|envelope recipient (has been|is) denied|badrcptto|validrcptto|recipient not ok|is not a known user|not a local address|address not present in directory|no one at this address|is not an active address|destination addresses were unknown|(user|address|account|mailbox|recipient) no longer exists|recipient address rejected: access denied|user doesn'?t have a .{0,20}account|mailbox (not found|unavailable|not available)|requested action not taken: mailbox unavailable|address lookup failed|recipient not found|not our customer|not listed in|no mailbox here|no mail ?box (for|by that name|found)|addressee unknown|user not found|unknown or illegal alias|no account by that name|account does not exist|email account that you tried to reach does not exist|the email account .{0,40}does not exist|this user doesn't have a|resolver\.adr\.recipnotfound|recipnotfound|5\.1\.10|5\.1\.1\b|5\.1\.0 .{0,20}(unknown|invalid)|sorry, no mailbox here by that name|no such local user|unknown local part|user has no mailbox|mailbox does not exist|retrieval of (the )?mailbox failed|empfa?e?nger (ist )?(unbekannt|ungu?e?ltig|existiert nicht)|unbekannte?r? (empfa?e?nger|benutzer|adresse|nutzer)|benutzer (ist )?(unbekannt|existiert nicht|nicht gefunden)|adresse (ist )?(unbekannt|ungu?e?ltig|existiert nicht)|postfach (ist )?(unbekannt|existiert nicht|nicht gefunden|nicht vorhanden)|kein (solcher )?(benutzer|empfa?e?nger|postfach)|mailbox existiert nicht|utilisateur (inconnu|introuvable|inexistant|n'existe pas)|destinataire (inconnu|introuvable|inexistant|invalide)|adresse (inconnue|invalide|introuvable|inexistante|n'existe pas)|boite (aux lettres )?(inconnue|inexistante|introuvable|n'existe pas)|(cette|l')adresse .{0,30}n'existe (pas|plus)|n'existe pas|usuario (desconocido|no existe|inexistente|invalido|no encontrado)|destinatario (desconocido|no existe|inexistente|invalido)|direccion (desconocida|no existe|inexistente|invalida)|buzon (no existe|inexistente|desconocido)|no existe (el|la|ese|esa) (usuario|buzon|cuenta|direccion)|la cuenta .{0,30}no existe|gebruiker (is )?(onbekend|bestaat niet|niet gevonden)|(onbekende|ongeldige) (gebruiker|ontvanger|geadresseerde|adres)|ontvanger (is )?(onbekend|bestaat niet|niet gevonden)|(adres|mailbox|postbus) (is )?(onbekend|bestaat niet|niet gevonden)|bestaat niet|utente (sconosciuto|inesistente|non esiste|non trovato)|destinatario (sconosciuto|inesistente|non esiste|non valido)|indirizzo (sconosciuto|inesistente|non esiste|non valido)|casella (di posta )?(inesistente|non esiste|sconosciuta)|non esiste|usuario (desconhecido|inexistente|nao existe|invalido)|destinatario (desconhecido|inexistente|nao existe|invalido)|endereco (desconhecido|inexistente|nao existe|invalido)|caixa (postal )?(inexistente|nao existe)|conta (inexistente|nao existe)|nao existe/],
  // Spam: content or sender judged as spam, DNSBLs of message content, "unsolicited".
  ['spam_blocked', /\bspam\b|spam(my|mer|ming|haus|cop)|junk ?mail|unsolicited|bulk (e-?mail|mail)|(message|mail|content) (has been |was )?(identified|classified|detected|flagged|considered|determined|rated|scored) as (spam|junk|bulk|unsolicited|suspicious)|looks like spam|suspected spam|likely spam|spam (score|detected|content|filter|message)|high (spam|probability of spam)|\buce\b|\bubc\b|listed (in|on|at) .{0,40}(spamhaus|spamcop|barracuda|sorbs|dnsbl|rbl|blacklist|blocklist|uceprotect)|barracudacentral|dnsbl|\brbl\b|black ?list|block ?list|blocked (using|by) [a-z0-9.-]+\.(org|net|com)|sbl|xbl|\bpbl\b|phish|zen\.spamhaus|our system has detected that this message is|message (is )?(likely )?unsolicited|correo no deseado|pourriel|courrier indesirable|indesirable|werbung|unerwu?e?nscht|posta indesiderata|ongewenste|lixo eletronico|indesejad|5\.7\.350|5\.7\.708|as\(\d+\)/],
  // Content: virus, banned attachments, malformed messages, header problems.
  ['content_rejected', /virus|malware|infected|trojan|worm\b|(banned|blocked|forbidden|prohibited|disallowed|unacceptable|illegal|not allowed|dangerous) (attachment|file|content|extension|file ?type|filename|mime)|attachment(s)? (is |are )?(not allowed|blocked|prohibited|forbidden|rejected)|content (rejected|refused|not accepted|filter|policy|violation)|message content (rejected|not accepted|violates)|because (of )?its content|content presents|rejected (due to|because of) (its )?content|(message|mail) (contains|contained) (a |an )?(prohibited|banned|forbidden|illegal|unacceptable|executable)|executable|malformed|invalid (mime|header|message)|header (syntax|error|too long|line too long)|bad (header|message|mime)|rfc ?5322|rfc ?2822|rfc ?822|not (rfc|compliant)|non-?compliant|line too long|too many (headers|received)|8-?bit (data|content|characters) not|message (has|contains) (invalid|bad|illegal)|empty message|message is empty|(contenu|inhalt|contenido|contenuto|inhoud|conteudo) .{0,20}(refuse|interdit|abgelehnt|rechazado|rifiutato|geweigerd|rejeitado|unzulaessig|no permitido)|(pieza adjunta|piece jointe|anhang|bijlage|allegato|anexo) .{0,30}(interdit|refuse|nicht erlaubt|gesperrt|no permitido|niet toegestaan|non consentito|nao permitido)/],
  // Rate limits.
  ['rate_limited', /rate ?limit|too many (messages|connections|recipients|mails|emails|concurrent|sessions|errors|invalid recipients)|(sending|message|connection|recipient) (rate|limit) (exceeded|reached)|exceeded .{0,30}(rate|limit|number of)|sending limit|limit (exceeded|reached)|daily (sending )?(quota|limit)|hourly (quota|limit)|throttl|slow down|at a rate that|unexpected volume|temporarily deferred|temporarily (deferred|rate limited|throttled)|unusual rate|rate of (unsolicited )?(mail|email)|greylist|gray ?list|zu viele (nachrichten|verbindungen|empfa?e?nger)|trop de (messages|connexions|destinataires)|demasiad[oa]s (mensajes|conexiones|destinatarios)|te veel (berichten|verbindingen|ontvangers)|troppi (messaggi|destinatari)|troppe connessioni|muit[oa]s (mensagens|conexoes|destinatarios)|5\.2\.121|5\.2\.122|4\.7\.0 .{0,30}(later|limit)|4\.2\.1 .{0,40}(unusual|rate)|4\.7\.28|4\.7\.500|\bts0[1-4]\b|\bdef\.ts|421 .{0,10}(too many|rate)/],
  // Policy / reputation: the sending host or sender is refused, not the content.
  ['policy_blocked', /(ip|host|client|sender|domain|address|connection|server|network|mail server)( address)? (\S+ )?(is |has been |was )?(blocked|blacklisted|blocklisted|banned|rejected|refused|denied|not allowed|listed|not permitted)|(poor|bad|low|insufficient) (ip |sender |domain )?reputation|reputation|access denied|(access|service|delivery) (not authori[sz]ed|refused|denied|not allowed)|administrative prohibition|administratively denied|prohibited|not (authori[sz]ed|permitted|allowed) to (send|deliver|connect)|policy (violation|reasons|rejection|restriction|block)|(rejected|blocked|refused|denied) (by|due to|because of|for) (local |the |our |recipient'?s? |site |domain |security |receiver )?(policy|policies|security|administrator|filter|rules?|acl|configuration)|(message|mail) (rejected|refused|blocked) by (policy|filter|recipient|administrator|the recipient)|recipient('s)? (domain )?(has )?(rejected|refused|blocked)|(sender|from) (address )?(rejected|refused|denied|blocked|not allowed|verify failed)|(reverse dns|rdns|ptr( record)?)(.{0,30})(fail|missing|not found|does not|required|lookup|mismatch)|(no|missing) (reverse dns|rdns|ptr)|client host rejected|dynamic (ip|address|pool)|dial-?up|residential|not accepting mail from|blocked by (the )?(recipient|administrator|organization|filter|policy|firewall)|rejected by (the )?(recipient|server|administrator)|(ip|sender|server) (is )?not (allowed|permitted|authorized)|banned sending ip|blocked sending ip|block(ed)? (list)? ?by (microsoft|outlook)|your (ip|server|domain|sender address) .{0,30}(block|reject|refuse|ban)|connection refused by policy|mail from .{0,40} (rejected|refused)|geo ?block|country .{0,20}(block|not allowed)|tls (is )?required|must (use|issue a) starttls|encryption required|(filtered|filter)\b|not accepted by .{0,20}(policy|filter)|(message|mail) (was )?(rejected|refused) by|restricted|untrusted|anti-?spoof|rejected by .{0,40}polic(y|ies)|(no|not have|without) permissions? to send|(verweigert|abgelehnt) .{0,30}(richtlinie|policy)|(richtlinie|richtlinien)|refuse .{0,30}(politique|securite)|politique|bloquee?|gesperrt|bloqueado|rechazado por (politica|la politica)|politica|geblokkeerd|beleid|bloccat[oa]|5\.7\.1\b|5\.7\.6[0-4]\d|5\.7\.51[0-9]|5\.7\.7\d\d|5\.7\.133|5\.7\.134|5\.7\.25|4\.7\.650|5\.7\.57|5\.7\.0\b/],
  // Expired: gave up after retrying.
  ['expired', /(retry|delivery|queue|message) (time(out)?|period|lifetime)( has)? (expired|exceeded)|timeout exceeded|too long in (the )?queue|(message|mail) (has )?expired|expired (after|in queue)|could not be delivered (within|in|for) .{0,20}(days|hours)|gave up|giving up|retry limit|(maximum|max) (retry|queue|delivery)|delivery time expired|undeliverable for .{0,20}(days|hours)|(been|was|is) (in|on) the queue (for|too)|was not delivered .{0,20}(days|hours)|retries exceeded|retry timeout|no further (delivery )?attempts|will not be retried|will be returned .{0,30}(days|hours)|(remained|stayed) undelivered|unable to deliver .{0,30}(for|after) .{0,20}(days|hours)|(zustellung|nachricht) .{0,60}(abgelaufen|aufgegeben)|expire|delai .{0,20}depasse|caduc|plazo .{0,20}(excedido|vencido)|verlopen|scadut|expirou|4\.4\.7|5\.4\.7|5\.4\.316/],
  // Network: the connection could not be made or broke.
  ['network_error', /connection (timed out|refused|reset|closed|lost|dropped|terminated)|timed out|time ?out|could not connect|unable to connect|can'?t connect|cannot connect|connect(ion)? to .{0,80} failed|network (error|is unreachable|unreachable|failure)|no route to host|host (is )?unreachable|unreachable|lost connection|broken pipe|conversation with .{0,60} timed out|tls (handshake|negotiation) (failed|error)|ssl (handshake|error)|starttls .{0,20}fail|certificate (verify|verification|validation) (failed|error)|eof|premature|read error|write error|connection (was )?(unexpectedly )?closed|socket|temporary (dns )?(failure|lookup failure)|dns (lookup|query) (failed|timed out|timeout)|servfail|4\.4\.[0-6]\b|5\.4\.[0-6]\b/],
  // The receiving system failed.
  ['system_error', /(local|internal|server|system|temporary|processing|unexpected) (error|failure|problem)|(mail )?system (full|error|failure|is out of)|(insufficient|out of) (system )?(storage|resources|memory)|service (not available|unavailable|temporarily unavailable)|(server|system) (is )?(busy|overloaded|unavailable|not available)|(mailer|delivery agent|lmtp|local delivery) (error|failed|failure)|(mail )?loop(s)? (detected|back to myself)|loops back to myself|too many hops|hop count exceeded|routing loop|configuration error|misconfigur|database (error|failure)|internal server error|transaction failed|error (while|in) processing|command (died|failed|output)|pipe to .{0,60}(failed|error)|mail (receiving )?disabled|mail system (unavailable|error|is not accepting)|4\.3\.\d|5\.3\.[0-2]\b|5\.3\.5|5\.4\.14|4\.4\.14/],
  // Last: a refusal in so many words with nothing more precise is a policy decision of the receiver.
  ['policy_blocked', /\b(blocked|refused|rejected|denied|not accepted)\b/],
];

/** Enhanced codes whose meaning does not depend on the words next to them (provider codes included). */
const DECISIVE_CODES: Readonly<Record<string, BounceReason>> = {
  '5.7.509': 'auth_failure', // Microsoft: DMARC reject
  '5.7.510': 'auth_failure', // Microsoft: not accepted (DMARC-like, sender not authorised)
  '5.7.26': 'auth_failure', // RFC 7372 and Google: multiple authentication checks failed
  '5.7.23': 'auth_failure', // RFC 7372: SPF validation failed
  '5.7.24': 'auth_failure', // RFC 7372: SPF validation error
  '5.7.20': 'auth_failure', // RFC 7372: no passing DKIM signature
  '5.7.21': 'auth_failure',
  '5.7.22': 'auth_failure',
  '5.7.515': 'auth_failure', // Microsoft: high-volume sender authentication requirements
  '4.7.26': 'auth_failure',
  '5.4.316': 'expired', // Microsoft: message expired, connection refused
  '5.4.300': 'expired', // Microsoft: message expired
  '4.4.316': 'network_error',
  '5.7.606': 'policy_blocked', // Microsoft: banned sending IP
  '5.7.705': 'policy_blocked', // Microsoft: tenant exceeded threshold (reputation)
  '5.7.708': 'policy_blocked', // Microsoft: traffic not accepted from this IP (reputation)
  '5.7.750': 'policy_blocked', // Microsoft: unregistered domains
  '5.7.7': 'content_rejected', // RFC 3463: message integrity failure
  '5.4.1': 'user_unknown', // Microsoft: recipient address rejected: access denied (directory-based edge blocking)
  '5.2.121': 'rate_limited', // Microsoft: recipient's per-hour limit from this sender
  '5.2.122': 'rate_limited',
  '4.7.28': 'rate_limited', // Google: unusual rate of mail from your domain / IP
  '5.7.28': 'spam_blocked', // Google: part of a flood of similar abusive messages
  '4.3.0': 'system_error', // Gmail and others: temporary mail-system problem
  '5.4.14': 'system_error', // Microsoft: hop count exceeded (loop)
  '5.7.350': 'spam_blocked', // Microsoft: remote server returned message detected as spam
  '4.7.650': 'policy_blocked', // Microsoft: IP reputation throttling
  '5.7.25': 'policy_blocked', // RFC 7372: reverse DNS validation failed
  '5.7.27': 'host_unknown', // RFC 7505: sender address has a null MX (our sender domain takes no mail)
  '5.1.6': 'moved',
  '5.4.7': 'expired',
  '4.4.7': 'expired',
};

/** subject.detail → reason, the RFC 3463 meaning when the words say nothing more precise. */
const CODE_REASONS: Readonly<Record<string, BounceReason>> = {
  '1.1': 'user_unknown',
  '1.2': 'host_unknown',
  '1.0': 'user_unknown',
  '1.3': 'user_unknown',
  '1.4': 'user_unknown',
  '1.5': 'user_unknown',
  '1.6': 'moved',
  '1.7': 'policy_blocked',
  '1.8': 'policy_blocked',
  '1.10': 'user_unknown',
  '2.0': 'mailbox_disabled',
  '2.1': 'mailbox_disabled',
  '2.2': 'mailbox_full',
  '2.3': 'message_too_big',
  '2.4': 'system_error',
  '3.0': 'system_error',
  '3.1': 'system_error',
  '3.2': 'system_error',
  '3.3': 'content_rejected',
  '3.4': 'message_too_big',
  '3.5': 'system_error',
  '4.0': 'network_error',
  '4.1': 'network_error',
  '4.2': 'network_error',
  '4.3': 'network_error',
  '4.4': 'host_unknown',
  '4.5': 'system_error',
  '4.6': 'system_error',
  '4.7': 'expired',
  '5.0': 'system_error',
  '5.1': 'system_error',
  '5.2': 'system_error',
  '5.3': 'rate_limited',
  '5.4': 'system_error',
  '5.5': 'system_error',
  '6.0': 'content_rejected',
  '6.1': 'content_rejected',
  '6.2': 'content_rejected',
  '6.3': 'content_rejected',
  '6.4': 'content_rejected',
  '6.5': 'content_rejected',
  '6.6': 'content_rejected',
  '6.7': 'content_rejected',
  '6.8': 'content_rejected',
  '6.9': 'content_rejected',
  '6.10': 'content_rejected',
  '7.0': 'policy_blocked',
  '7.1': 'policy_blocked',
  '7.2': 'policy_blocked',
  '7.3': 'policy_blocked',
  '7.4': 'policy_blocked',
  '7.5': 'policy_blocked',
  '7.6': 'content_rejected',
  '7.7': 'content_rejected',
  '7.8': 'auth_failure',
  '7.9': 'auth_failure',
  '7.10': 'policy_blocked',
  '7.11': 'policy_blocked',
  '7.13': 'mailbox_disabled',
  '7.14': 'policy_blocked',
  '7.15': 'policy_blocked',
  '7.16': 'message_too_big',
  '7.17': 'moved',
  '7.18': 'moved',
  '7.19': 'policy_blocked',
  '7.20': 'auth_failure',
  '7.21': 'auth_failure',
  '7.22': 'auth_failure',
  '7.23': 'auth_failure',
  '7.24': 'auth_failure',
  '7.25': 'policy_blocked',
  '7.26': 'auth_failure',
  '7.27': 'host_unknown',
  '7.28': 'spam_blocked',
  '7.29': 'auth_failure',
  '7.30': 'policy_blocked',
};

/** Bare SMTP reply codes that say something on their own. */
const SMTP_REASONS: Readonly<Record<number, BounceReason>> = {
  421: 'network_error',
  521: 'host_unknown', // RFC 7504: this host does not accept mail
  556: 'host_unknown', // RFC 7504: the domain does not accept mail
  451: 'system_error',
  452: 'mailbox_full',
  454: 'system_error',
  550: 'user_unknown',
  551: 'moved',
  552: 'mailbox_full',
  553: 'user_unknown',
  554: 'policy_blocked',
  571: 'policy_blocked',
};

/** Reasons the text may keep even when a DSN gave up after temporary failures (they say more than "expired"). */
const KEEP_OVER_EXPIRED = new Set<BounceReason>(['user_unknown', 'host_unknown', 'mailbox_full', 'mailbox_disabled', 'moved', 'message_too_big', 'relaying_denied', 'auth_failure', 'spam_blocked']);

/**
 * RFC 3463 says a disabled mailbox (x.2.1) may come back, so a disabled or suspended mailbox is
 * soft unless the words say the account is gone for good: closed, deleted, permanently disabled,
 * no longer in use. (Deactivated, suspended, locked or inactive accounts can come back.)
 */
const PERMANENT_DISABLE = /permanent|closed|deleted|removed|cancel+ed|no longer (active|in use|exists|valid|used|available)|not in use|geschlossen|gelo?e?scht|stillgelegt|ferme|supprime|cerrada|eliminada|gesloten|verwijderd|chiuso|eliminato|encerrada|excluida/;

/** The SMTP command a reply answered, from the words around it; '' when not said. */
function commandOf(text: string): 'MAIL' | 'RCPT' | 'DATA' | '' {
  const match = /in reply to (mail from|rcpt to|end of data|data)\b|after (mail from|rcpt to|end of data|data)\b/.exec(text);
  const said = match ? (match[1] ?? match[2]) : '';
  if (said === 'mail from') return 'MAIL';
  if (said === 'rcpt to') return 'RCPT';
  if (said === 'end of data' || said === 'data') return 'DATA';
  return '';
}

function readTextReason(text: string): BounceReason | null {
  for (const [reason, pattern] of TEXT_RULES) {
    if (pattern.test(text)) return reason;
  }
  return null;
}

/** The text's hard/soft verdict for a mailbox that is not accepting mail. */
function disabledClass(text: string, klass: string): BounceClassValue {
  if (klass === '4') return 'soft';
  return PERMANENT_DISABLE.test(text) && !/temporar/.test(text) ? 'hard' : 'soft';
}

/**
 * Classifies one bounce. Never throws; absent inputs are fine (a bounce with no code and no text
 * is `other`, soft).
 */
export function classifyBounce(input: ClassifyBounceInput): BounceClassification {
  const text = normaliseDiagnostic(input.diagnostic ?? '');
  let enhanced = (input.enhancedCode ?? '').trim();
  let match = ENHANCED.exec(enhanced);
  if (!match) {
    const found = ENHANCED_IN_TEXT.exec(text);
    if (found) {
      enhanced = `${found[1]}.${Number(found[2])}.${Number(found[3])}`;
      match = ENHANCED.exec(enhanced);
    } else enhanced = '';
  } else {
    enhanced = `${match[1]}.${Number(match[2])}.${Number(match[3])}`;
  }
  let smtpCode = input.smtpCode ?? null;
  if (smtpCode === null) {
    const found = SMTP_IN_TEXT.exec(text);
    if (found) smtpCode = Number(found[1]);
  }
  const action = (input.action ?? '').trim().toLowerCase();
  const klass = match ? match[1] : smtpCode !== null ? String(Math.floor(smtpCode / 100)) : '';
  const subjectDetail = match ? `${Number(match[2])}.${Number(match[3])}` : '';
  const host = (input.reportingSystem ?? '').toLowerCase();

  let reason: BounceReason | null = DECISIVE_CODES[enhanced] ?? null;
  // Microsoft's banned-sender range 5.7.600–5.7.649, and 5.7.51x tenant/authorisation refusals.
  if (!reason && /^5\.7\.6[0-4]\d$/.test(enhanced)) reason = 'policy_blocked';

  const textReason = text ? readTextReason(text) : null;
  if (!reason) {
    reason = textReason;
    // Generic class codes (x.0.0) and 5.7.1 say less than the words; a specific address code
    // (5.1.1, 5.2.2 …) says more than a generic "policy" or "network" reading of the words.
    const codeReason = subjectDetail ? (CODE_REASONS[subjectDetail] ?? null) : null;
    if (codeReason && reason && ['policy_blocked', 'network_error', 'system_error', 'rate_limited'].includes(reason)) {
      if (['user_unknown', 'host_unknown', 'mailbox_full', 'moved', 'message_too_big'].includes(codeReason) && !(subjectDetail === '1.0' && klass !== '5')) reason = codeReason;
    }
    if (!reason && !(subjectDetail === '1.0' && klass !== '5')) reason = codeReason;
    // A bare reply code means something only when the text says nothing else ("550" alone).
    if (!reason && smtpCode !== null && !/[a-z]{3}/.test(text.replace(/\b(smtp|x-[a-z-]+)\b/g, ''))) reason = SMTP_REASONS[smtpCode] ?? null;
    if (!reason && host.includes('yahoo') && smtpCode === 554) reason = 'policy_blocked';
  }

  // The SMTP command the reply answered, when the text says (Postfix "in reply to MAIL FROM
  // command", Exim "after RCPT TO:"). "User unknown" in reply to MAIL FROM is about our sender
  // address, and after the message data it is a content filter's verdict: neither means the
  // recipient's address is dead.
  const command = commandOf(text);
  if (reason === 'user_unknown' || reason === 'host_unknown') {
    const addressCode = subjectDetail.startsWith('1.') && klass === '5';
    if (command === 'MAIL') reason = 'policy_blocked';
    else if (command === 'DATA' && !addressCode) reason = 'policy_blocked';
  }

  // A DSN that gave up after temporary failures: expired, unless the words say more about the address.
  const gaveUp = action === 'failed' && klass === '4';
  if (gaveUp && (!reason || !KEEP_OVER_EXPIRED.has(reason))) reason = 'expired';
  // Greylisting or a temporary block with a 4xx class is a rate limit or a delay, not a dead address.
  if (!reason) reason = 'other';

  let bounceClass: BounceClassValue;
  switch (reason) {
    case 'user_unknown':
    case 'host_unknown':
    case 'moved':
      // A 4xx "user unknown" (directory lookup failed for now) is not yet a dead address.
      bounceClass = klass === '4' && action !== 'failed' ? 'soft' : 'hard';
      break;
    case 'mailbox_disabled':
      bounceClass = disabledClass(text, klass);
      break;
    default:
      bounceClass = 'soft';
  }
  return { reason, class: bounceClass, enhancedCode: enhanced, smtpCode };
}

/** The class a reason has when nothing else is known (a disabled mailbox may come back: soft). */
export function classOfReason(reason: BounceReason): BounceClassValue {
  return reason === 'user_unknown' || reason === 'host_unknown' || reason === 'moved' ? 'hard' : 'soft';
}

export function isBounceReason(value: string): value is BounceReason {
  return (BOUNCE_REASONS as readonly string[]).includes(value);
}
