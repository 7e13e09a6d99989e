// The attack corpus: each case is text that carries a secret or personal datum, and the marker
// that must be absent from everything exported once the text has passed through the kit.
// Markers are unique, so a search of the exported bytes for one cannot hit anything else.

export interface Attack {
  id: string;
  /** Free text: a log message, an attribute value, a status message, an event name, a URL. */
  text: string;
  marker: string;
}

const m = (n: number): string => `Zq${n}Mrk`;

export const TEXT_ATTACKS: Attack[] = [
  ['sql-eq', (x: string) => `UPDATE users SET password='s3${x}' WHERE id=4`],
  ['sql-spaces', (x: string) => `UPDATE users SET password = 's3${x}' WHERE id=4`],
  ['sql-alter', (x: string) => `ALTER USER crm WITH PASSWORD 's3${x}'`],
  ['sql-identified', (x: string) => `CREATE USER crm IDENTIFIED BY 'p${x}'`],
  ['json-body', (x: string) => `{"user":"ann","password":"pw${x}","plan":"gold"}`],
  ['bearer-space', (x: string) => `Authorization: Bearer abc123${x}`],
  ['bearer-tab', (x: string) => `calling with Bearer\tabc123${x}`],
  ['bearer-colon', (x: string) => `header Bearer:${x}`],
  ['bearer-eq', (x: string) => `bearer=${x}`],
  ['jwt-anywhere', (x: string) => `session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.${x}sig`],
  ['query-token', (x: string) => `/cb?token=${x}&page=2`],
  ['query-double-encoded', (x: string) => `/cb?%2574oken=${x}&page=2`],
  ['query-brackets', (x: string) => `/cb?token%5B%5D=${x}`],
  ['query-nested-key', (x: string) => `/signup?user%5Bpassword%5D=${x}`],
  ['query-api-key', (x: string) => `/hook?api-key=${x}`],
  ['query-jwt', (x: string) => `/sso?jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.${x}`],
  ['query-redirect', (x: string) => `/login?next=https%3A%2F%2Fcrm.example%2Fcb%3Faccess_token%3D${x}`],
  ['path-reset', (x: string) => `GET /reset-password/${x}`],
  ['path-invite', (x: string) => `/api/invitations/${x}/accept`],
  ['path-verify', (x: string) => `/verify-email/${x}?lang=en`],
  ['logfmt', (x: string) => `level=info user=ann secretAnswer=${x} ok=true`],
  ['yaml-ish', (x: string) => `db_password: ${x}`],
  ['baggage', (x: string) => `tenant=acme,token=${x},region=eu`],
  ['email-plain', (x: string) => `lead ${x}.jane@example.com created`],
  ['email-encoded', (x: string) => `/leads?email=${x}.jane%40example.com`],
  ['email-double-encoded', (x: string) => `/leads?email=${x}.jane%2540example.com`],
  ['email-idn', (x: string) => `contact jöhn.${x}@bücher.example`],
  ['email-fullwidth', (x: string) => `contact ann.${x}＠example.com`],
  ['email-ip', (x: string) => `ops ${x}@10.1.2.3`],
  ['email-localhost', (x: string) => `root ${x}@localhost`],
].map(([id, make], i) => {
  const marker = m(i);
  return { id: id as string, text: (make as (x: string) => string)(marker), marker };
});

/** Key names whose value is secret whatever it looks like. */
export const SECRET_KEYS = [
  'otp', 'pass', 'pwd', 'secretAnswer', 'authToken', 'sessionToken', 'credentials', 'private_key', 'auth', 'jwt',
  'password', 'client_secret', 'x-csrf-token', 'apiKey',
];

export const SECRET_HEADERS = ['authorization', 'x-auth-token', 'x-access-token', 'x-csrf-token', 'api-key', 'x-amz-security-token', 'cookie'];

/** Ordinary CRM text: must pass through unchanged. */
export const ORDINARY = [
  'HSET session:abc token f v',
  'GET token:42',
  'SELECT id, email_verified FROM leads WHERE owner_id = $1 AND stage = \'qualified\'',
  'INSERT INTO notes (lead_id, body) VALUES ($1, $2)',
  'the bearer of this letter is our account manager',
  'Bearer of bad news: the sync failed',
  'token limit reached for the enrichment model',
  'rotate the signing key every 90 days',
  'the secret to a good pipeline is follow-up',
  'key account review at 12:30 with the sales team',
  'GET /leads/:id',
  'GET /invite/:token',
  'POST /api/v2/opportunities/1234/stage',
  'https://crm.example.com/leads?page=2&sort=created_at',
  'npm install express@5.1.0',
  'GET /static/logo@2x.png',
  'lead L-1001 moved from prospect to qualified (score 87)',
  'level=info msg="sync done" source=hubspot records=120 duration_ms=3400',
  'basic plan renewed for 12 months',
  'digest of 14 new leads sent to sales',
  '{"leadId":"L-1","stage":"won","value":12000}',
  'retrying in 5s (attempt 2/3)',
];
