package learn

import (
	"slices"
	"strings"
)

// Example is secure code for one language and framework: what the fix of a
// weakness class looks like in a real handler.
type Example struct {
	Language  string `json:"language"`  // go, javascript, python, java
	Framework string `json:"framework"` // net/http, Express, FastAPI, Spring
	Code      string `json:"code"`
}

// Class is a weakness class: the CWEs it covers, why it matters, how to fix
// it in code, and where to read more. Every rule of every engine is
// explained through the class of its CWE, so the secure code is written once
// per class and shared by its rules.
type Class struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	CWE   []string `json:"cwe"`
	// OWASP is the OWASP API Top 10 2023 category the class usually falls
	// under, used when a rule names no CWE.
	OWASP string `json:"owasp,omitempty"`
	Why   string `json:"why"`
	// Examples are secure code in Go, Node.js, Python and Java. Classes
	// whose fix is an operation rather than code (leaked secrets, vulnerable
	// dependencies) have Steps instead.
	Examples []Example `json:"examples,omitempty"`
	Steps    []string  `json:"steps,omitempty"`
	// CheatSheets are OWASP cheat sheets (file names in
	// OWASP/CheatSheetSeries) worth reading.
	CheatSheets []string `json:"cheatSheets,omitempty"`
}

// Languages are the languages every class with examples covers, in order.
var Languages = []string{"go", "javascript", "python", "java"}

// Classes returns the weakness catalogue, in a stable order.
func Classes() []Class { return slices.Clone(classes) }

// ClassByID returns the class with the id, or nil.
func ClassByID(id string) *Class {
	for i := range classes {
		if classes[i].ID == id {
			c := classes[i]
			return &c
		}
	}
	return nil
}

// ClassFor picks the class that explains a rule: the first of its CWEs that
// a class covers, else its OWASP category's class, else the class of its
// kind of finding (kind is "secret" or "sca" for those engines). It returns
// nil when nothing fits.
func ClassFor(cwe []string, owasp, kind string) *Class {
	switch kind {
	case "secret":
		return ClassByID("secrets")
	case "sca":
		return ClassByID("dependency")
	}
	for _, w := range cwe {
		w = strings.ToUpper(strings.TrimSpace(w))
		for i := range classes {
			if slices.Contains(classes[i].CWE, w) {
				c := classes[i]
				return &c
			}
		}
	}
	if owasp != "" {
		for i := range classes {
			if classes[i].OWASP == owasp {
				c := classes[i]
				return &c
			}
		}
	}
	return nil
}

// References returns the links that explain a rule: its OWASP API Top 10
// page, each CWE's entry and the class's cheat sheets.
func References(owasp string, cwe []string, c *Class) []string {
	var out []string
	if page, ok := owaspPages[owasp]; ok {
		out = append(out, "https://owasp.org/API-Security/editions/2023/en/"+page+"/")
	}
	for _, w := range cwe {
		if n, ok := strings.CutPrefix(strings.ToUpper(w), "CWE-"); ok && n != "" {
			out = append(out, "https://cwe.mitre.org/data/definitions/"+n+".html")
		}
	}
	if c != nil {
		for _, s := range c.CheatSheets {
			out = append(out, "https://cheatsheetseries.owasp.org/cheatsheets/"+s+".html")
		}
	}
	return out
}

// owaspPages are the pages of the OWASP API Security Top 10 2023.
var owaspPages = map[string]string{
	"API1:2023":  "0xa1-broken-object-level-authorization",
	"API2:2023":  "0xa2-broken-authentication",
	"API3:2023":  "0xa3-broken-object-property-level-authorization",
	"API4:2023":  "0xa4-unrestricted-resource-consumption",
	"API5:2023":  "0xa5-broken-function-level-authorization",
	"API6:2023":  "0xa6-unrestricted-access-to-sensitive-business-flows",
	"API7:2023":  "0xa7-server-side-request-forgery",
	"API8:2023":  "0xa8-security-misconfiguration",
	"API9:2023":  "0xa9-improper-inventory-management",
	"API10:2023": "0xaa-unsafe-consumption-of-apis",
}

func ex(lang, fw, code string) Example {
	return Example{Language: lang, Framework: fw, Code: strings.TrimSpace(code) + "\n"}
}

var classes = []Class{
	{
		ID: "object-authz", Title: "Object-level authorization", OWASP: "API1:2023",
		CWE: []string{"CWE-639", "CWE-284", "CWE-566", "CWE-1220"},
		Why: "An API that looks an object up by the id the caller sent, without checking that the caller may see " +
			"that object, hands every user's data to anyone who can count. It is the most common API flaw and the " +
			"easiest to exploit: change one number in a URL.",
		CheatSheets: []string{"Authorization_Cheat_Sheet", "Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
func (s *Server) getBoat(w http.ResponseWriter, r *http.Request) {
	user := auth.FromContext(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	// The owner is part of the query: another user's boat is simply not found.
	b, err := s.db.BoatOwnedBy(r.Context(), id, user.ID)
	if errors.Is(err, sql.ErrNoRows) {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, b)
}`),
			ex("javascript", "Express", `
app.get('/boats/:id', requireAuth, async (req, res) => {
  // Scope the lookup to the caller instead of checking afterwards.
  const boat = await db.boat.findFirst({
    where: { id: Number(req.params.id), ownerId: req.user.id },
  });
  if (!boat) return res.status(404).json({ error: 'not found' });
  res.json(boat);
});`),
			ex("python", "FastAPI", `
@app.get("/boats/{boat_id}")
def get_boat(boat_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)):
    boat = db.query(Boat).filter(Boat.id == boat_id, Boat.owner_id == user.id).first()
    if boat is None:
        raise HTTPException(status_code=404, detail="not found")
    return boat`),
			ex("java", "Spring", `
@GetMapping("/boats/{id}")
public Boat getBoat(@PathVariable long id, @AuthenticationPrincipal AppUser user) {
    // findByIdAndOwnerId returns empty for someone else's boat.
    return boats.findByIdAndOwnerId(id, user.getId())
        .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND));
}`),
		},
	},
	{
		ID: "function-authz", Title: "Function-level authorization", OWASP: "API5:2023",
		CWE: []string{"CWE-285", "CWE-862", "CWE-863", "CWE-269", "CWE-250", "CWE-749", "CWE-650"},
		Why: "Administrative and privileged operations that only hide behind an unlisted URL, or that check the " +
			"role for one HTTP method and not another, let an ordinary user manage users, settings and money. " +
			"Attackers find them by guessing paths and switching methods.",
		CheatSheets: []string{"Authorization_Cheat_Sheet", "Access_Control_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// requireRole wraps every admin handler; routes are denied unless wrapped.
func requireRole(role string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := auth.FromContext(r.Context()); u == nil || u.Role != role {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

mux.Handle("GET /admin/users", requireRole("admin", http.HandlerFunc(s.listUsers)))
mux.Handle("PUT /admin/settings", requireRole("admin", http.HandlerFunc(s.putSettings)))`),
			ex("javascript", "Express", `
const requireRole = (role) => (req, res, next) =>
  req.user?.role === role ? next() : res.status(403).json({ error: 'forbidden' });

// One router for the whole admin area: every method, every path, one check.
const admin = express.Router();
admin.use(requireAuth, requireRole('admin'));
admin.get('/users', listUsers);
admin.put('/settings', putSettings);
app.use('/admin', admin);`),
			ex("python", "FastAPI", `
def require_role(role: str):
    def check(user: User = Depends(current_user)) -> User:
        if user.role != role:
            raise HTTPException(status_code=403, detail="forbidden")
        return user
    return check

admin = APIRouter(prefix="/admin", dependencies=[Depends(require_role("admin"))])

@admin.put("/settings")
def put_settings(body: Settings):
    ...`),
			ex("java", "Spring", `
@Bean
SecurityFilterChain api(HttpSecurity http) throws Exception {
    http.authorizeHttpRequests(a -> a
        .requestMatchers("/admin/**").hasRole("ADMIN")   // every method under /admin
        .anyRequest().authenticated());                 // deny anonymous by default
    return http.build();
}`),
		},
	},
	{
		ID: "property-authz", Title: "Object property-level authorization (mass assignment, data exposure)", OWASP: "API3:2023",
		CWE: []string{"CWE-915", "CWE-213", "CWE-200", "CWE-359", "CWE-499", "CWE-1230"},
		Why: "Binding a request body straight onto a database record lets a caller set fields they should never " +
			"touch (role, balance, verified); returning the record as it is stored leaks fields they should never " +
			"see (password hashes, other people's addresses). The object is theirs; some of its properties are not.",
		CheatSheets: []string{"Mass_Assignment_Cheat_Sheet", "Authorization_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// The request and response types list exactly what a user may write and read.
type profileUpdate struct {
	FullName string `+"`json:\"full_name\"`"+`
	Phone    string `+"`json:\"phone\"`"+`
}
type publicProfile struct {
	ID       int64  `+"`json:\"id\"`"+`
	FullName string `+"`json:\"full_name\"`"+`
}

func (s *Server) patchMe(w http.ResponseWriter, r *http.Request) {
	var in profileUpdate
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields() // "role": "admin" is a 400, not a promotion
	if err := dec.Decode(&in); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	u := s.db.UpdateProfile(r.Context(), auth.FromContext(r.Context()).ID, in.FullName, in.Phone)
	writeJSON(w, publicProfile{ID: u.ID, FullName: u.FullName})
}`),
			ex("javascript", "Express", `
const { z } = require('zod');
const ProfileUpdate = z.object({ fullName: z.string().max(80), phone: z.string().max(20) }).strict();

app.patch('/users/me', requireAuth, async (req, res) => {
  const parsed = ProfileUpdate.safeParse(req.body); // unknown keys such as role are rejected
  if (!parsed.success) return res.status(400).json({ error: 'bad body' });
  const u = await db.user.update({ where: { id: req.user.id }, data: parsed.data });
  res.json({ id: u.id, fullName: u.fullName }); // never the whole row
});`),
			ex("python", "FastAPI", `
class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # role, is_admin... are refused
    full_name: str = Field(max_length=80)
    phone: str = Field(max_length=20)

class PublicProfile(BaseModel):
    id: int
    full_name: str

@app.patch("/users/me", response_model=PublicProfile)  # filters what is returned
def patch_me(body: ProfileUpdate, user: User = Depends(current_user), db: Session = Depends(get_db)):
    user.full_name, user.phone = body.full_name, body.phone
    db.commit()
    return user`),
			ex("java", "Spring", `
// DTOs, not entities, cross the API boundary.
public record ProfileUpdate(@Size(max = 80) String fullName, @Size(max = 20) String phone) {}
public record PublicProfile(long id, String fullName) {}

@PatchMapping("/users/me")
public PublicProfile patchMe(@Valid @RequestBody ProfileUpdate in, @AuthenticationPrincipal AppUser me) {
    User u = users.updateProfile(me.getId(), in.fullName(), in.phone());
    return new PublicProfile(u.getId(), u.getFullName());
}
// application.properties: spring.jackson.deserialization.fail-on-unknown-properties=true`),
		},
	},
	{
		ID: "authentication", Title: "Authentication and tokens", OWASP: "API2:2023",
		CWE: []string{"CWE-287", "CWE-306", "CWE-307", "CWE-521", "CWE-522", "CWE-613", "CWE-204", "CWE-345",
			"CWE-347", "CWE-290", "CWE-384", "CWE-1390", "CWE-640", "CWE-620", "CWE-598", "CWE-1391"},
		Why: "Authentication is the API's front door: a token whose signature is not checked, an algorithm taken " +
			"from the token itself, an expiry that is ignored, a login without a retry limit, or credentials in a " +
			"URL that ends up in logs, each lets an attacker become someone else.",
		CheatSheets: []string{"JSON_Web_Token_Cheat_Sheet", "Authentication_Cheat_Sheet", "REST_Security_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Verify with one fixed algorithm, a real key, and the registered claims.
parser := jwt.NewParser(
	jwt.WithValidMethods([]string{"RS256"}), // never the token's own "alg"
	jwt.WithIssuer("https://auth.example.com"),
	jwt.WithAudience("marina-api"),
	jwt.WithExpirationRequired(),
)
tok, err := parser.ParseWithClaims(raw, &Claims{}, func(*jwt.Token) (any, error) {
	return publicKey, nil
})
if err != nil || !tok.Valid {
	http.Error(w, "unauthorized", http.StatusUnauthorized)
	return
}`),
			ex("javascript", "Express", `
const jwt = require('jsonwebtoken');

function requireAuth(req, res, next) {
  const token = (req.get('Authorization') || '').replace(/^Bearer /, '');
  try {
    req.user = jwt.verify(token, PUBLIC_KEY, {
      algorithms: ['RS256'], issuer: 'https://auth.example.com', audience: 'marina-api',
    });
    next();
  } catch {
    res.status(401).json({ error: 'unauthorized' });
  }
}`),
			ex("python", "FastAPI", `
def current_user(creds: HTTPAuthorizationCredentials = Depends(HTTPBearer())) -> User:
    try:
        claims = jwt.decode(
            creds.credentials, PUBLIC_KEY, algorithms=["RS256"],
            audience="marina-api", issuer="https://auth.example.com",
            options={"require": ["exp", "sub"]},
        )
    except jwt.PyJWTError:
        raise HTTPException(status_code=401, detail="unauthorized")
    return load_user(claims["sub"])`),
			ex("java", "Spring", `
@Bean
JwtDecoder jwtDecoder() {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withPublicKey(publicKey)
        .signatureAlgorithm(SignatureAlgorithm.RS256).build();
    decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer("https://auth.example.com"));
    return decoder; // checks signature, exp and nbf on every request
}`),
		},
	},
	{
		ID: "crypto-transport", Title: "Transport security and cryptography", OWASP: "API8:2023",
		CWE: []string{"CWE-319", "CWE-295", "CWE-327", "CWE-328", "CWE-310", "CWE-338", "CWE-322", "CWE-326",
			"CWE-1204", "CWE-614", "CWE-523", "CWE-757", "CWE-5", "CWE-311", "CWE-324"},
		Why: "Credentials and personal data sent over plain HTTP, or over TLS whose certificate is not verified, " +
			"can be read and changed on the way. Weak hashes, predictable random numbers and old ciphers turn " +
			"secrets into guesses.",
		CheatSheets: []string{"Transport_Layer_Security_Cheat_Sheet", "HTTP_Strict_Transport_Security_Cheat_Sheet", "Cryptographic_Storage_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
srv := &http.Server{
	Addr:      ":443",
	Handler:   hsts(mux),
	TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12}, // Go's default suites are safe
}
log.Fatal(srv.ListenAndServeTLS("cert.pem", "key.pem"))

func hsts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		next.ServeHTTP(w, r)
	})
}
// Random tokens come from crypto/rand, passwords go through bcrypt or argon2.`),
			ex("javascript", "Express", `
const helmet = require('helmet');
const crypto = require('node:crypto');

app.use(helmet.hsts({ maxAge: 31536000, includeSubDomains: true }));
https.createServer({ key, cert, minVersion: 'TLSv1.2' }, app).listen(443);

const resetToken = crypto.randomBytes(32).toString('hex'); // not Math.random()
const hash = await bcrypt.hash(password, 12);              // not md5/sha1`),
			ex("python", "FastAPI", `
import secrets
from passlib.hash import argon2

reset_token = secrets.token_urlsafe(32)   # not random.random()
stored = argon2.hash(password)            # not hashlib.md5

# uvicorn app:app --ssl-keyfile key.pem --ssl-certfile cert.pem
@app.middleware("http")
async def hsts(request, call_next):
    response = await call_next(request)
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response`),
			ex("java", "Spring", `
// application.properties
//   server.ssl.enabled=true
//   server.ssl.enabled-protocols=TLSv1.2,TLSv1.3
http.headers(h -> h.httpStrictTransportSecurity(s -> s.maxAgeInSeconds(31536000).includeSubDomains(true)))
    .requiresChannel(c -> c.anyRequest().requiresSecure());

PasswordEncoder encoder = new BCryptPasswordEncoder(12);
byte[] token = new byte[32];
new SecureRandom().nextBytes(token);`),
		},
	},
	{
		ID: "sql-injection", Title: "SQL and query injection", OWASP: "API8:2023",
		CWE: []string{"CWE-89", "CWE-943", "CWE-564", "CWE-90", "CWE-643"},
		Why: "A query assembled by concatenating request data lets the caller rewrite it: read every table, change " +
			"or delete data, sometimes run commands on the database host. NoSQL query objects built from JSON " +
			"bodies fall the same way (`{\"$ne\": null}`).",
		CheatSheets: []string{"SQL_Injection_Prevention_Cheat_Sheet", "Query_Parameterization_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Placeholders carry the values; the query text never changes.
rows, err := db.QueryContext(ctx,
	"SELECT id, name FROM berths WHERE pier = ? ORDER BY id LIMIT ?", pier, limit)

// Identifiers cannot be parameters: choose them from an allow-list.
order := map[string]string{"name": "name", "length": "length_m"}[r.URL.Query().Get("sort")]
if order == "" {
	order = "id"
}`),
			ex("javascript", "Express", `
// pg: values go in the second argument, never in the string.
const { rows } = await pool.query(
  'SELECT id, name FROM berths WHERE pier = $1 ORDER BY id LIMIT $2', [req.query.pier, limit]);

// MongoDB: accept only a string, so {"$ne": null} cannot become an operator.
const code = typeof req.body.code === 'string' ? req.body.code : null;
const coupon = await coupons.findOne({ code });`),
			ex("python", "FastAPI", `
@app.get("/berths")
def berths(pier: str, limit: int = Query(20, le=100), db: Session = Depends(get_db)):
    rows = db.execute(
        text("SELECT id, name FROM berths WHERE pier = :pier ORDER BY id LIMIT :limit"),
        {"pier": pier, "limit": limit},
    )
    return [dict(r._mapping) for r in rows]`),
			ex("java", "Spring", `
// JdbcTemplate with placeholders (or a Spring Data repository method).
List<Berth> berths = jdbc.query(
    "SELECT id, name FROM berths WHERE pier = ? ORDER BY id LIMIT ?",
    (rs, i) -> new Berth(rs.getLong("id"), rs.getString("name")), pier, limit);`),
		},
	},
	{
		ID: "command-injection", Title: "OS command injection", OWASP: "API8:2023",
		CWE: []string{"CWE-78", "CWE-88", "CWE-77"},
		Why: "Passing request data to a shell runs whatever the caller appends after a `;` or inside `$(...)`: " +
			"the attacker gets a shell on the API's host, with its credentials and its network position.",
		CheatSheets: []string{"OS_Command_Injection_Defense_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// No shell, a fixed program, a validated argument, and "--" before it.
host := r.FormValue("host")
if !hostname.MatchString(host) { // ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9-]{1,63})*$
	http.Error(w, "bad host", http.StatusBadRequest)
	return
}
out, err := exec.CommandContext(r.Context(), "dig", "+short", "--", host).Output()
// Better still: net.DefaultResolver.LookupHost(r.Context(), host), no process at all.`),
			ex("javascript", "Express", `
const { execFile } = require('node:child_process');

app.post('/tools/dns-lookup', (req, res) => {
  const host = String(req.body.host || '');
  if (!/^[a-z0-9.-]{1,253}$/i.test(host)) return res.status(400).json({ error: 'bad host' });
  // execFile does not start a shell: ";" and "$()" are just characters.
  execFile('dig', ['+short', '--', host], { timeout: 5000 }, (err, stdout) =>
    err ? res.status(502).end() : res.json({ answer: stdout.trim().split('\n') }));
});`),
			ex("python", "Flask", `
HOST = re.compile(r"^[a-z0-9.-]{1,253}$", re.I)

@app.post("/tools/dns-lookup")
def dns_lookup():
    host = str(request.json.get("host", ""))
    if not HOST.fullmatch(host):
        abort(400)
    out = subprocess.run(["dig", "+short", "--", host], capture_output=True, text=True, timeout=5)  # no shell=True
    return {"answer": out.stdout.split()}`),
			ex("java", "Spring", `
if (!host.matches("^[a-zA-Z0-9.-]{1,253}$")) {
    throw new ResponseStatusException(HttpStatus.BAD_REQUEST);
}
// ProcessBuilder with an argument list: no shell parses the input.
Process p = new ProcessBuilder("dig", "+short", "--", host).redirectErrorStream(true).start();`),
		},
	},
	{
		ID: "code-injection", Title: "Code and template injection", OWASP: "API8:2023",
		CWE: []string{"CWE-94", "CWE-1336", "CWE-95", "CWE-917"},
		Why: "Evaluating request data as code or as a template (server-side template injection) executes the " +
			"caller's program inside the API: reading files and secrets, or running commands.",
		CheatSheets: []string{"Injection_Prevention_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// The template is the server's; the user's text is only ever data.
var preview = template.Must(template.New("n").Parse("Hello {{.Name}}, {{.Message}}"))

func (s *Server) previewNotice(w http.ResponseWriter, r *http.Request) {
	var in struct{ Name, Message string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	_ = preview.Execute(w, in) // never template.New("").Parse(in.Message)
}`),
			ex("javascript", "Express", `
const nunjucks = require('nunjucks');
const env = new nunjucks.Environment(null, { autoescape: true });
const preview = env.getTemplate('notice.njk'); // a file the server ships

app.post('/notifications/preview', (req, res) => {
  // renderString(req.body.template) would run the caller's template.
  res.send(preview.render({ name: String(req.body.name), message: String(req.body.message) }));
});`),
			ex("python", "Flask", `
from jinja2.sandbox import SandboxedEnvironment

NOTICE = SandboxedEnvironment(autoescape=True).from_string("Hello {{ name }}, {{ message }}")

@app.post("/notifications/preview")
def preview():
    body = request.get_json()
    # render_template_string(body["template"]) would evaluate user input.
    return NOTICE.render(name=str(body.get("name", "")), message=str(body.get("message", "")))`),
			ex("java", "Spring", `
// Thymeleaf: the template comes from the classpath, the user's text is a variable.
@PostMapping("/notifications/preview")
public String preview(@RequestBody Notice n, Model model) {
    model.addAttribute("name", n.name());
    model.addAttribute("message", n.message()); // th:text escapes it
    return "notice"; // never a view name or SpEL built from input
}`),
		},
	},
	{
		ID: "xss", Title: "Cross-site scripting", OWASP: "API8:2023",
		CWE: []string{"CWE-79", "CWE-80", "CWE-116"},
		Why: "An API that reflects request data into HTML, or serves JSON as `text/html`, lets an attacker run " +
			"script in a victim's browser session with the victim's cookies and rights.",
		CheatSheets: []string{"Cross_Site_Scripting_Prevention_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// html/template escapes by context; JSON goes out as application/json.
var page = template.Must(template.New("p").Parse(`+"`<p>Results for {{.Q}}</p>`"+`))

func search(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_ = page.Execute(w, struct{ Q string }{r.URL.Query().Get("q")})
}`),
			ex("javascript", "Express", `
const escapeHtml = require('escape-html');

app.get('/search', (req, res) => {
  res.type('html').send('<p>Results for ' + escapeHtml(String(req.query.q || '')) + '</p>');
});
// APIs answer res.json(...): Content-Type application/json, never text/html.`),
			ex("python", "Flask", `
from markupsafe import escape

@app.get("/search")
def search():
    return f"<p>Results for {escape(request.args.get('q', ''))}</p>"
    # Jinja templates autoescape; never mark user input |safe.`),
			ex("java", "Spring", `
import org.springframework.web.util.HtmlUtils;

@GetMapping(value = "/search", produces = MediaType.TEXT_HTML_VALUE)
public String search(@RequestParam String q) {
    return "<p>Results for " + HtmlUtils.htmlEscape(q) + "</p>";
}`),
		},
	},
	{
		ID: "file-access", Title: "Paths, files and uploads", OWASP: "API8:2023",
		CWE: []string{"CWE-22", "CWE-23", "CWE-73", "CWE-118", "CWE-377", "CWE-276", "CWE-367", "CWE-434", "CWE-732", "CWE-59"},
		Why: "A file name taken from the request and joined to a directory reaches `../../etc/passwd`; files " +
			"written with loose permissions or predictable temporary names are read or replaced by others on the " +
			"host; uploads trusted by their extension become scripts.",
		CheatSheets: []string{"File_Upload_Cheat_Sheet", "Input_Validation_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// os.Root (Go 1.24+) confines every open to the directory: ".." cannot escape.
docs, err := os.OpenRoot("/srv/marina/documents")
if err != nil {
	log.Fatal(err)
}

func (s *Server) document(w http.ResponseWriter, r *http.Request) {
	f, err := s.docs.Open(filepath.Base(r.URL.Query().Get("name")))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	_, _ = io.Copy(w, f)
}
// Files escarp-style: os.WriteFile(path, data, 0o600); os.CreateTemp("", "upload-*").`),
			ex("javascript", "Express", `
const path = require('node:path');
const ROOT = path.resolve('/srv/marina/documents');

app.get('/documents', (req, res) => {
  const file = path.resolve(ROOT, String(req.query.name || ''));
  if (!file.startsWith(ROOT + path.sep)) return res.status(400).json({ error: 'bad name' });
  res.sendFile(file);
});`),
			ex("python", "FastAPI", `
ROOT = Path("/srv/marina/documents").resolve()

@app.get("/documents")
def document(name: str):
    path = (ROOT / name).resolve()
    if not path.is_relative_to(ROOT) or not path.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(path)`),
			ex("java", "Spring", `
Path root = Paths.get("/srv/marina/documents").toRealPath();

@GetMapping("/documents")
public Resource document(@RequestParam String name) throws IOException {
    Path file = root.resolve(name).normalize();
    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
        throw new ResponseStatusException(HttpStatus.NOT_FOUND);
    }
    return new FileSystemResource(file);
}`),
		},
	},
	{
		ID: "ssrf", Title: "Server-side request forgery", OWASP: "API7:2023",
		CWE: []string{"CWE-918"},
		Why: "An API that fetches a URL the caller chose can be pointed at what only the server can reach: cloud " +
			"metadata with its credentials, internal admin consoles, databases on localhost.",
		CheatSheets: []string{"Server_Side_Request_Forgery_Prevention_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Allow-list the hosts, and refuse private addresses at connect time too
// (a DNS name can resolve to 127.0.0.1 after the check).
var allowed = map[string]bool{"images.example-cdn.com": true}

dialer := &net.Dialer{Control: func(_, addr string, _ syscall.RawConn) error {
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); ip == nil || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return errors.New("refused: internal address")
	}
	return nil
}}
client := &http.Client{
	Timeout:       5 * time.Second,
	Transport:     &http.Transport{DialContext: dialer.DialContext},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

u, err := url.Parse(in.AvatarURL)
if err != nil || u.Scheme != "https" || !allowed[u.Hostname()] {
	http.Error(w, "url not allowed", http.StatusBadRequest)
	return
}
resp, err := client.Get(u.String())`),
			ex("javascript", "Express", `
const ALLOWED = new Set(['images.example-cdn.com']);

app.post('/users/me/avatar', requireAuth, async (req, res) => {
  let u;
  try { u = new URL(String(req.body.url)); } catch { return res.status(400).end(); }
  if (u.protocol !== 'https:' || !ALLOWED.has(u.hostname)) return res.status(400).json({ error: 'url not allowed' });
  // ssrf-req-filter (or a custom agent) also blocks private IPs after DNS resolution.
  const r = await fetch(u, { redirect: 'manual', agent: ssrfFilter(u.href), signal: AbortSignal.timeout(5000) });
  ...
});`),
			ex("python", "FastAPI", `
ALLOWED = {"images.example-cdn.com"}

@app.post("/users/me/avatar")
def avatar(body: AvatarIn, user: User = Depends(current_user)):
    u = urlparse(body.url)
    if u.scheme != "https" or u.hostname not in ALLOWED:
        raise HTTPException(status_code=400, detail="url not allowed")
    for info in socket.getaddrinfo(u.hostname, 443):
        if ipaddress.ip_address(info[4][0]).is_private:
            raise HTTPException(status_code=400, detail="url not allowed")
    r = httpx.get(body.url, follow_redirects=False, timeout=5)`),
			ex("java", "Spring", `
private static final Set<String> ALLOWED = Set.of("images.example-cdn.com");

URI uri = URI.create(in.url());
if (!"https".equals(uri.getScheme()) || !ALLOWED.contains(uri.getHost())) {
    throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "url not allowed");
}
for (InetAddress a : InetAddress.getAllByName(uri.getHost())) {
    if (a.isSiteLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress()) {
        throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "url not allowed");
    }
}
HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();`),
		},
	},
	{
		ID: "open-redirect", Title: "Open redirects", OWASP: "API8:2023",
		CWE: []string{"CWE-601"},
		Why: "A redirect to a URL taken from the request turns a trusted domain into a phishing relay and can " +
			"leak OAuth codes and tokens to the attacker's site.",
		CheatSheets: []string{"Unvalidated_Redirects_and_Forwards_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Only local paths: "/bookings" is fine, "//evil.example" and "https://..." are not.
next := r.URL.Query().Get("next")
if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
	next = "/"
}
http.Redirect(w, r, next, http.StatusSeeOther)`),
			ex("javascript", "Express", `
app.get('/auth/logout', (req, res) => {
  const next = String(req.query.next || '/');
  const safe = next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
  req.session.destroy(() => res.redirect(303, safe));
});`),
			ex("python", "Flask", `
@app.get("/auth/logout")
def logout():
    nxt = request.args.get("next", "/")
    if not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        nxt = "/"
    session.clear()
    return redirect(nxt, code=303)`),
			ex("java", "Spring", `
@GetMapping("/auth/logout")
public ResponseEntity<Void> logout(@RequestParam(defaultValue = "/") String next) {
    boolean local = next.startsWith("/") && !next.startsWith("//") && !next.contains("\\");
    return ResponseEntity.status(HttpStatus.SEE_OTHER).location(URI.create(local ? next : "/")).build();
}`),
		},
	},
	{
		ID: "parsers", Title: "XML, YAML and deserialization", OWASP: "API8:2023",
		CWE: []string{"CWE-611", "CWE-502", "CWE-409", "CWE-776", "CWE-827"},
		Why: "Parsers that resolve external entities read local files and reach internal hosts (XXE); formats with " +
			"aliases or entity expansion blow up into gigabytes from a few hundred bytes; deserializers that build " +
			"arbitrary types run the attacker's code.",
		CheatSheets: []string{"XML_External_Entity_Prevention_Cheat_Sheet", "Deserialization_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// encoding/xml never resolves external entities; bound the size of what it reads.
r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
var in BoatImport
dec := xml.NewDecoder(r.Body)
dec.Strict = true
if err := dec.Decode(&in); err != nil {
	http.Error(w, "bad XML", http.StatusBadRequest)
	return
}
// YAML: decode into typed structs and cap the input size before yaml.Unmarshal.`),
			ex("javascript", "Express", `
const { XMLParser } = require('fast-xml-parser'); // no DTD or entity resolution
const parser = new XMLParser({ processEntities: false });

app.post('/boats/import', express.text({ type: 'application/xml', limit: '1mb' }), (req, res) => {
  const doc = parser.parse(req.body);
  ...
});
// Never: libxmljs.parseXml(body, { noent: true }), or node-serialize's unserialize().`),
			ex("python", "Flask", `
from defusedxml.ElementTree import fromstring  # refuses entities and DTDs

@app.post("/boats/import")
def import_boats():
    if request.content_length and request.content_length > 1_000_000:
        abort(413)
    root = fromstring(request.get_data())
    ...
# YAML: yaml.safe_load, never yaml.load with the full Loader; never pickle.loads of input.`),
			ex("java", "Spring", `
DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
f.setFeature("http://xml.org/sax/features/external-general-entities", false);
f.setXIncludeAware(false);
f.setExpandEntityReferences(false);
Document doc = f.newDocumentBuilder().parse(input);
// Jackson: never enableDefaultTyping(); use explicit DTO classes.`),
		},
	},
	{
		ID: "resource", Title: "Unrestricted resource consumption", OWASP: "API4:2023",
		CWE: []string{"CWE-770", "CWE-400", "CWE-1333", "CWE-190", "CWE-799", "CWE-1050", "CWE-405", "CWE-920", "CWE-674"},
		Why: "Every request costs CPU, memory, bandwidth and sometimes money (SMS, e-mail, third-party calls). " +
			"Without limits on rate, page size, payload size and regular-expression backtracking, one client can " +
			"exhaust them for everyone or run up the bill.",
		CheatSheets: []string{"Denial_of_Service_Cheat_Sheet", "REST_Security_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Per-client rate limit, bounded bodies and page sizes.
limiters := sync.Map{} // client -> *rate.Limiter (evict idle ones in production)

func limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, _ := limiters.LoadOrStore(clientKey(r), rate.NewLimiter(10, 20))
		if !l.(*rate.Limiter).Allow() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		next.ServeHTTP(w, r)
	})
}

size := min(max(atoi(r.URL.Query().Get("limit")), 1), 100) // the documented maximum
// Go's regexp is linear-time: no catastrophic backtracking (RE2).`),
			ex("javascript", "Express", `
const rateLimit = require('express-rate-limit');

app.use(express.json({ limit: '64kb' }));
app.use('/auth/login', rateLimit({ windowMs: 15 * 60 * 1000, limit: 10 }));
app.use(rateLimit({ windowMs: 60 * 1000, limit: 600 }));

app.get('/berths', (req, res) => {
  const limit = Math.min(Math.max(parseInt(req.query.limit, 10) || 20, 1), 100);
  ...
});
// User-supplied patterns: use re2 (npm "re2"), never new RegExp(userInput).`),
			ex("python", "FastAPI", `
from slowapi import Limiter
from slowapi.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)

@app.get("/berths")
@limiter.limit("60/minute")
def berths(request: Request, limit: int = Query(20, ge=1, le=100)):  # enforced, 422 above 100
    ...`),
			ex("java", "Spring", `
// Bucket4j per client; bounded page size; bounded body (server.tomcat.max-swallow-size).
Bucket bucket = buckets.computeIfAbsent(clientKey(request),
    k -> Bucket.builder().addLimit(Bandwidth.simple(10, Duration.ofSeconds(1))).build());
if (!bucket.tryConsume(1)) {
    throw new ResponseStatusException(HttpStatus.TOO_MANY_REQUESTS);
}

@GetMapping("/berths")
public Page<Berth> berths(@RequestParam(defaultValue = "20") @Max(100) @Min(1) int limit) { ... }`),
		},
	},
	{
		ID: "business-flow", Title: "Sensitive business flows and input validation", OWASP: "API6:2023",
		CWE: []string{"CWE-841", "CWE-840", "CWE-837", "CWE-20", "CWE-1284", "CWE-1287", "CWE-1164", "CWE-129", "CWE-606", "CWE-1173"},
		Why: "Business rules that the client is trusted to follow (pay before confirming, use a coupon once, book " +
			"at least one night) are broken by calling the API in another order, again, or with a value the form " +
			"would never send. The server must enforce the state machine and the invariants itself.",
		CheatSheets: []string{"Input_Validation_Cheat_Sheet", "REST_Security_Cheat_Sheet", "Transaction_Authorization_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Enforce the state machine and one-time use in the database, atomically.
res, err := tx.ExecContext(ctx,
	"UPDATE bookings SET status = 'confirmed' WHERE id = ? AND owner_id = ? AND status = 'paid'", id, user.ID)
if n, _ := res.RowsAffected(); err != nil || n != 1 {
	http.Error(w, "booking is not paid", http.StatusConflict)
	return
}

// A coupon is redeemed at most once: the unique key makes the replay fail.
_, err = tx.ExecContext(ctx, "INSERT INTO redemptions (coupon, booking_id) VALUES (?, ?)", code, id)

if in.Nights < 1 || in.Nights > 60 {
	http.Error(w, "nights must be 1 to 60", http.StatusUnprocessableEntity)
	return
}`),
			ex("javascript", "Express", `
app.post('/bookings/:id/confirm', requireAuth, async (req, res) => {
  const { count } = await db.booking.updateMany({
    where: { id: Number(req.params.id), ownerId: req.user.id, status: 'paid' },
    data: { status: 'confirmed' },
  });
  if (count !== 1) return res.status(409).json({ error: 'booking is not paid' });
  res.status(204).end();
});

const Booking = z.object({ berthId: z.number().int().positive(), nights: z.number().int().min(1).max(60) });`),
			ex("python", "FastAPI", `
class BookingIn(BaseModel):
    berth_id: int = Field(gt=0)
    nights: int = Field(ge=1, le=60)  # a negative stay is refused with 422

@app.post("/bookings/{booking_id}/confirm", status_code=204)
def confirm(booking_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)):
    n = db.query(Booking).filter_by(id=booking_id, owner_id=user.id, status="paid").update({"status": "confirmed"})
    if n != 1:
        raise HTTPException(status_code=409, detail="booking is not paid")
    db.commit()`),
			ex("java", "Spring", `
public record BookingIn(@Positive long berthId, @Min(1) @Max(60) int nights) {}

@Modifying
@Query("UPDATE Booking b SET b.status = 'CONFIRMED' WHERE b.id = :id AND b.ownerId = :owner AND b.status = 'PAID'")
int confirmIfPaid(@Param("id") long id, @Param("owner") long owner);

// in the controller: if (bookings.confirmIfPaid(id, me.getId()) != 1) throw new ResponseStatusException(HttpStatus.CONFLICT);`),
		},
	},
	{
		ID: "injection-logs-headers", Title: "Log, header and protocol injection", OWASP: "API8:2023",
		CWE: []string{"CWE-117", "CWE-93", "CWE-113", "CWE-444", "CWE-532", "CWE-779"},
		Why: "Request data written raw into logs forges log lines or hides an attack; into headers it splits the " +
			"response (CRLF); ambiguous framing lets requests be smuggled past a proxy. Secrets written to logs " +
			"outlive every rotation.",
		CheatSheets: []string{"Logging_Cheat_Sheet", "Logging_Vocabulary_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Structured logging quotes values: a "\n" in the user name cannot start a new entry.
slog.Info("login failed", "user", in.Username, "ip", r.RemoteAddr) // never the password

// net/http refuses header values with CR or LF; still, never copy raw input into headers.
w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))`),
			ex("javascript", "Express", `
const pino = require('pino')({ redact: ['req.headers.authorization', 'password'] });

app.post('/auth/login', (req, res) => {
  pino.info({ user: String(req.body.username) }, 'login failed'); // JSON lines, escaped values
  ...
});`),
			ex("python", "FastAPI", `
import structlog
log = structlog.get_logger()

def login_failed(username: str, ip: str) -> None:
    # JSON renderer escapes control characters; the password is never logged.
    log.info("login_failed", user=username, ip=ip)`),
			ex("java", "Spring", `
// Logback with a JSON encoder (logstash-logback-encoder) escapes CR/LF in values.
log.info("login failed", kv("user", username), kv("ip", request.getRemoteAddr()));
// Headers: ResponseEntity.header(...) rejects CR/LF; validate file names before using them.`),
		},
	},
	{
		ID: "errors-debug", Title: "Error handling and debug features", OWASP: "API8:2023",
		CWE: []string{"CWE-209", "CWE-755", "CWE-703", "CWE-489", "CWE-215", "CWE-497", "CWE-248", "CWE-392", "CWE-390"},
		Why: "Stack traces, SQL errors and debug endpoints tell an attacker the framework, versions, file paths " +
			"and queries; errors that are ignored leave the API in states nobody designed.",
		CheatSheets: []string{"Error_Handling_Cheat_Sheet", "REST_Security_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// One place turns errors into statuses; details go to the log, a reference to the client.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	ref := newRef()
	slog.Error("request failed", "ref", ref, "err", err)
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "ref": ref})
}
// No net/http/pprof or expvar on the public mux: serve them on a separate, internal listener.`),
			ex("javascript", "Express", `
// Last middleware: generic message to the client, the stack to the log.
app.use((err, req, res, next) => {
  const ref = crypto.randomUUID();
  logger.error({ ref, err }, 'request failed');
  res.status(err.status && err.status < 500 ? err.status : 500).json({ error: 'request failed', ref });
});
// NODE_ENV=production; no errorhandler() middleware in production.`),
			ex("python", "FastAPI", `
app = FastAPI(debug=False)

@app.exception_handler(Exception)
async def unhandled(request: Request, exc: Exception):
    ref = uuid.uuid4().hex
    logger.exception("request failed", extra={"ref": ref})
    return JSONResponse(status_code=500, content={"error": "internal error", "ref": ref})`),
			ex("java", "Spring", `
// application.properties
//   server.error.include-stacktrace=never
//   server.error.include-message=never
//   management.endpoints.web.exposure.include=health
@RestControllerAdvice
class Errors {
    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, String>> unhandled(Exception e) {
        String ref = UUID.randomUUID().toString();
        log.error("request failed ref={}", ref, e);
        return ResponseEntity.status(500).body(Map.of("error", "internal error", "ref", ref));
    }
}`),
		},
	},
	{
		ID: "misconfiguration", Title: "Security headers, CORS and caching", OWASP: "API8:2023",
		CWE: []string{"CWE-942", "CWE-693", "CWE-16", "CWE-352", "CWE-524", "CWE-1021", "CWE-346", "CWE-525", "CWE-1004", "CWE-668"},
		Why: "Browsers protect users only when the API tells them to: a CORS policy that reflects any origin with " +
			"credentials lets every website read the user's data; missing nosniff, frame and cache headers expose " +
			"responses to sniffing, framing and shared caches; version banners guide attackers to known exploits.",
		CheatSheets: []string{"REST_Security_Cheat_Sheet", "HTTP_Headers_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
var origins = map[string]bool{"https://app.example.com": true}

func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		if o := r.Header.Get("Origin"); origins[o] { // an allow-list, never a reflection
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Vary", "Origin")
		}
		next.ServeHTTP(w, r)
	})
}`),
			ex("javascript", "Express", `
const helmet = require('helmet');
const cors = require('cors');

app.disable('x-powered-by');
app.use(helmet({ frameguard: { action: 'deny' } }));
app.use(cors({ origin: ['https://app.example.com'], credentials: true })); // not origin: true
app.use((req, res, next) => { res.set('Cache-Control', 'no-store'); next(); });`),
			ex("python", "FastAPI", `
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_credentials=True)

@app.middleware("http")
async def headers(request: Request, call_next):
    response = await call_next(request)
    response.headers.update({
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    })
    return response
# uvicorn --no-server-header`),
			ex("java", "Spring", `
http.headers(h -> h
        .frameOptions(f -> f.deny())
        .contentSecurityPolicy(c -> c.policyDirectives("default-src 'none'; frame-ancestors 'none'")))
    .cors(c -> c.configurationSource(req -> {
        CorsConfiguration cfg = new CorsConfiguration();
        cfg.setAllowedOrigins(List.of("https://app.example.com")); // never "*" with credentials
        cfg.setAllowCredentials(true);
        return cfg;
    }));
// server.server-header= (empty) hides the version banner`),
		},
	},
	{
		ID: "inventory", Title: "API inventory and documentation", OWASP: "API9:2023",
		CWE: []string{"CWE-1059", "CWE-1068", "CWE-1053", "CWE-912", "CWE-1126"},
		Why: "Endpoints nobody documented are endpoints nobody tests, patches or retires: old versions, debug " +
			"routes and forgotten exports keep answering with yesterday's flaws. The description must match what " +
			"runs, and retired versions must stop answering.",
		CheatSheets: []string{"REST_Security_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Generate the description from the code that serves it, and fail CI on drift.
//   go run github.com/swaggo/swag/cmd/swag init   (or write the spec first and generate handlers with oapi-codegen)
//   escarp ci --stages audit,scan                  (drift: undocumented routes and dead operations)

// Retired versions answer 410 with a pointer to the new one, instead of the old code.
mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Sunset", "Sat, 01 Mar 2025 00:00:00 GMT")
	http.Error(w, "API v1 is retired; use /api/v2", http.StatusGone)
})`),
			ex("javascript", "Express", `
// express-openapi-validator rejects requests to routes the description does not have.
const OpenApiValidator = require('express-openapi-validator');
app.use(OpenApiValidator.middleware({ apiSpec: './openapi.yaml', validateRequests: true, ignoreUndocumented: false }));

app.use('/api/v1', (req, res) => res.status(410).json({ error: 'v1 is retired; use /api/v2' }));`),
			ex("python", "FastAPI", `
# FastAPI writes the OpenAPI description from the routes themselves: publish app.openapi()
# in CI and diff it against the committed spec.
app = FastAPI(title="Marina", version="2.3.0", docs_url=None if PRODUCTION else "/docs")

@app.api_route("/api/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
def retired(rest: str):
    raise HTTPException(status_code=410, detail="v1 is retired; use /api/v2")`),
			ex("java", "Spring", `
// springdoc-openapi generates /v3/api-docs from the controllers; CI compares it with the committed spec.
@RestController
@RequestMapping("/api/v1")
class RetiredV1 {
    @RequestMapping("/**")
    ResponseEntity<String> gone() {
        return ResponseEntity.status(HttpStatus.GONE).body("v1 is retired; use /api/v2");
    }
}`),
		},
	},
	{
		ID: "unsafe-consumption", Title: "Unsafe consumption of third-party APIs", OWASP: "API10:2023",
		CWE: []string{"CWE-1357", "CWE-829", "CWE-494"},
		Why: "Data from partner and third-party APIs is input too: followed redirects, unbounded responses and " +
			"unvalidated fields from a compromised or spoofed partner reach the database and the users.",
		CheatSheets: []string{"Input_Validation_Cheat_Sheet", "Server_Side_Request_Forgery_Prevention_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
client := &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}
resp, err := client.Get("https://weather.partner.example/v1/forecast?harbour=" + url.QueryEscape(code))
if err != nil || resp.StatusCode != http.StatusOK {
	return errPartner
}
defer resp.Body.Close()
var f Forecast
if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<10)).Decode(&f); err != nil || !f.Valid() {
	return errPartner // validate the partner's data like a user's
}`),
			ex("javascript", "Express", `
const r = await fetch(PARTNER_URL, { redirect: 'error', signal: AbortSignal.timeout(5000) });
if (!r.ok) throw new Error('partner failed');
const text = await r.text();
if (text.length > 256 * 1024) throw new Error('partner answer too large');
const forecast = Forecast.parse(JSON.parse(text)); // zod schema: types and bounds`),
			ex("python", "FastAPI", `
r = httpx.get(PARTNER_URL, params={"harbour": code}, timeout=5, follow_redirects=False)
r.raise_for_status()
if len(r.content) > 256 * 1024:
    raise PartnerError("answer too large")
forecast = Forecast.model_validate_json(r.content)  # pydantic: types and bounds`),
			ex("java", "Spring", `
RestClient partner = RestClient.builder()
    .requestFactory(new JdkClientHttpRequestFactory(HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build()))
    .build();
Forecast f = partner.get().uri(PARTNER_URL, code).retrieve().body(Forecast.class);
Set<ConstraintViolation<Forecast>> bad = validator.validate(f); // bean validation on partner data too`),
		},
	},
	{
		ID: "dangerous-functions", Title: "Dangerous functions and unsafe memory use", OWASP: "",
		CWE: []string{"CWE-242", "CWE-676", "CWE-1007", "CWE-119", "CWE-787", "CWE-125", "CWE-704"},
		Why: "unsafe pointer arithmetic, unchecked conversions and functions that cannot be used safely turn a bug " +
			"into memory corruption that a crafted request can steer.",
		CheatSheets: []string{"Input_Validation_Cheat_Sheet"},
		Examples: []Example{
			ex("go", "net/http", `
// Stay in safe Go: slices and copy() instead of unsafe.Pointer arithmetic,
// and checked conversions instead of silent truncation.
n, err := strconv.ParseInt(r.URL.Query().Get("count"), 10, 32) // bitSize 32: fits an int32
if err != nil || n < 0 {
	http.Error(w, "bad count", http.StatusBadRequest)
	return
}
buf := make([]byte, n)
copy(buf, src)`),
			ex("javascript", "Express", `
// Buffer.alloc zero-fills (Buffer.allocUnsafe may expose old memory); bound the size first.
const n = Number.parseInt(req.query.count, 10);
if (!Number.isSafeInteger(n) || n < 0 || n > 65536) return res.status(400).end();
const buf = Buffer.alloc(n);`),
			ex("python", "FastAPI", `
# Avoid ctypes/cffi on request data; when native code is needed, bound and type-check first.
@app.get("/buffer")
def buffer(count: int = Query(ge=0, le=65536)):
    return {"size": len(bytearray(count))}`),
			ex("java", "Spring", `
// Math.toIntExact throws instead of overflowing silently.
int n = Math.toIntExact(Long.parseLong(count));
if (n < 0 || n > 65_536) {
    throw new ResponseStatusException(HttpStatus.BAD_REQUEST);
}
byte[] buf = new byte[n];`),
		},
	},
	{
		ID: "secrets", Title: "Secrets in code, history and descriptions", OWASP: "API2:2023",
		CWE: []string{"CWE-798", "CWE-259", "CWE-321", "CWE-540", "CWE-312", "CWE-256"},
		Why: "A key committed once is public for ever: it stays in the git history, in every clone and fork, and " +
			"in the CI caches, and scanners harvest public repositories within minutes. Deleting the line does not " +
			"revoke the key.",
		CheatSheets: []string{"Secrets_Management_Cheat_Sheet"},
		Steps: []string{
			"Rotate first: revoke the leaked credential at its provider and issue a new one; assume it was used, and check the provider's access logs for the time it was exposed.",
			"Move the new secret out of the code: an environment variable or a secret manager (Vault, AWS Secrets Manager, GCP Secret Manager, Kubernetes secrets), injected at deploy time.",
			"Purge it from history when the repository is shared: `git filter-repo --replace-text` (or BFG), force-push, and ask every clone and fork to re-clone; CI caches and artefacts that hold it must be deleted too.",
			"Keep it out: run `escarp code` (secrets) in pre-commit and CI; a false positive is marked `gitleaks:allow` on its line, with a reason in review.",
		},
	},
	{
		ID: "dependency", Title: "Vulnerable dependencies", OWASP: "API8:2023",
		CWE: []string{"CWE-1104", "CWE-1395", "CWE-937", "CWE-1035"},
		Why: "Most of an API's code is its dependencies. A published advisory comes with a public exploit soon " +
			"after, and attackers scan for the versions it names.",
		CheatSheets: []string{"Vulnerable_Dependency_Management_Cheat_Sheet"},
		Steps: []string{
			"Upgrade: move the package to the first fixed version the finding names (or later) with the ecosystem's tool (`go get module@version`, `npm install pkg@version`, `pip install 'pkg>=version'`, a Maven or Gradle version bump), then run the tests.",
			"For Go, check reachability: a finding at `info` says the vulnerable symbol is never called; it still deserves the upgrade, but not an emergency release.",
			"When no fix exists: remove or replace the dependency, or stop calling the vulnerable function, and record the decision with an expiry in .escarp/suppressions.yaml (stage: code).",
			"Keep lockfiles committed and let `escarp code` run in CI, so new advisories on old versions show up on the next build.",
		},
	},
}
