package wildtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/time/rate"
)

// OKFalse is a billing API whose every answer is 200: {"ok": true,
// "result": ...} or {"ok": false, "error": {"code", "message"}}, with
// static API keys, string ids ("inv_..."), transfers and one-time coupons.
func OKFalse() *Fixture {
	return &Fixture{
		Name: "okfalse", Style: "every answer 200, errors as {ok:false} bodies, static API keys",
		SpecName: "openapi.yaml", Spec: []byte(okSpec),
		Flaws: []Flaw{
			{ID: "invoice-bola-read", Method: "GET", Path: "/invoices/{invoice_id}", OWASP: []string{"API1:2023"}, Cause: 2},
			{ID: "transfer-negative-amount", Method: "POST", Path: "/transfers", OWASP: []string{"API6:2023"}, Cause: 11},
			{ID: "usage-report-unauthenticated", Method: "GET", Path: "/reports/usage", OWASP: []string{"API2:2023"}, Cause: 2},
			{ID: "coupon-replay", Method: "POST", Path: "/coupons/redeem", OWASP: []string{"API6:2023"}, Cause: 11},
			{ID: "admin-accounts-bfla", Method: "GET", Path: "/admin/accounts", OWASP: []string{"API5:2023"}, Cause: 2},
			{ID: "search-sqli", Method: "GET", Path: "/search", OWASP: []string{"API8:2023"}, Rules: []string{"ESC-DAST-INJ-001"}, Cause: 2},
			{ID: "no-rate-limit", Method: "GET", Path: "/search", OWASP: []string{"API4:2023"}, Cause: 15},
			{ID: "server-banner-version", Rules: []string{"ESC-DAST-CONF-005"}, Cause: 14},
		},
		Config: func(base string) []byte {
			var b strings.Builder
			fmt.Fprintf(&b, "target: %s\nidentities:\n", base)
			for _, a := range okAccounts() {
				fmt.Fprintf(&b, "  - name: %s\n", a.Name)
				if a.Role == "admin" {
					b.WriteString("    privileged: true\n")
				}
				fmt.Fprintf(&b, "    headers: {X-Api-Key: %s}\n", a.Password)
			}
			return []byte(b.String())
		},
		New: func(vulnerable bool) Target { return newOK(vulnerable) },
	}
}

func okAccounts() []account {
	return []account{
		{Name: "acme", Password: "key_live_acme_5f2c91", Email: "acc_acme", Role: "customer", Configured: true},
		{Name: "globex", Password: "key_live_globex_77ab03", Email: "acc_globex", Role: "customer", Configured: true},
		{Name: "staff", Password: "key_staff_0d9e11", Email: "acc_staff", Role: "admin", Configured: true},
	}
}

type okInvoice struct {
	ID, Account string
	Amount      int
}

type okAPI struct {
	ledger
	vuln bool

	mu       sync.Mutex
	balance  map[string]int
	invoices map[string]*okInvoice
	redeemed map[string]bool // account+code
	// limits are the twin's per-key rate limits.
	limits map[string]*rate.Limiter
}

func newOK(vuln bool) *okAPI {
	o := &okAPI{vuln: vuln, balance: map[string]int{}, invoices: map[string]*okInvoice{}, redeemed: map[string]bool{}, limits: map[string]*rate.Limiter{}}
	for _, a := range okAccounts() {
		o.balance[a.Email] = 100
	}
	o.invoices["inv_7QX2"] = &okInvoice{ID: "inv_7QX2", Account: "acc_acme", Amount: 120}
	o.invoices["inv_9KD4"] = &okInvoice{ID: "inv_9KD4", Account: "acc_globex", Amount: 80}
	o.invoices["inv_2MM8"] = &okInvoice{ID: "inv_2MM8", Account: "acc_globex", Amount: 35}
	return o
}

func (o *okAPI) Alive() error { return nil }

func okRes(w http.ResponseWriter, v any) { writeJSON(w, 200, map[string]any{"ok": true, "result": v}) }

func okErr(w http.ResponseWriter, code, msg string) {
	writeJSON(w, 200, map[string]any{"ok": false, "error": map[string]any{"code": code, "message": msg}})
}

func (o *okAPI) who(r *http.Request) *account {
	key := r.Header.Get("X-Api-Key")
	for _, a := range okAccounts() {
		if key != "" && a.Password == key {
			return &a
		}
	}
	return nil
}

func (o *okAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.vuln {
		w.Header().Set("Server", "gunicorn/19.9.0")
		w.Header().Set("X-Powered-By", "Flask/1.0.2")
	}
	path := r.URL.Path
	if path == "/" {
		okRes(w, map[string]any{"service": "billing"})
		return
	}
	a := o.who(r)
	if path == "/reports/usage" && r.Method == "GET" && o.vuln {
		okRes(w, map[string]any{"accounts": len(o.balance), "invoices": len(o.invoices), "top": "acc_acme"})
		return
	}
	if a == nil {
		okErr(w, "unauthorized", "a valid X-Api-Key is required")
		return
	}
	if !o.vuln {
		l := o.limits[a.Name]
		if l == nil {
			l = rate.NewLimiter(30, 30)
			o.limits[a.Name] = l
		}
		if !l.Allow() {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, map[string]any{"ok": false, "error": map[string]any{"code": "rate_limited", "message": "slow down"}})
			return
		}
	}
	switch {
	case path == "/account" && r.Method == "GET":
		okRes(w, map[string]any{"id": a.Email, "name": a.Name, "plan": "free", "balance": o.balance[a.Email]})
	case path == "/invoices" && r.Method == "GET":
		var list []any
		for _, id := range sortedKeys(o.invoices) {
			inv := o.invoices[id]
			if inv.Account == a.Email {
				list = append(list, map[string]any{"id": inv.ID, "amount": inv.Amount})
			}
		}
		if list == nil {
			list = []any{}
		}
		okRes(w, list)
	case strings.HasPrefix(path, "/invoices/") && r.Method == "GET":
		inv := o.invoices[strings.TrimPrefix(path, "/invoices/")]
		if inv == nil || (!o.vuln && inv.Account != a.Email && a.Role != "admin") {
			okErr(w, "not_found", "no such invoice")
			return
		}
		okRes(w, map[string]any{"id": inv.ID, "account": inv.Account, "amount": inv.Amount, "status": "open"})
	case path == "/transfers" && r.Method == "POST":
		body := decode(r)
		to := str(body, "to_account")
		amount, ok := body["amount"].(float64)
		if _, exists := o.balance[to]; !exists || !ok || amount != float64(int(amount)) {
			okErr(w, "invalid_request", "to_account and an integer amount are required")
			return
		}
		if !o.vuln && (amount <= 0 || int(amount) > o.balance[a.Email]) {
			okErr(w, "invalid_amount", "amount must be positive and at most the balance")
			return
		}
		o.balance[a.Email] -= int(amount)
		o.balance[to] += int(amount)
		okRes(w, map[string]any{"from": a.Email, "to": to, "amount": int(amount), "balance": o.balance[a.Email]})
	case path == "/coupons/redeem" && r.Method == "POST":
		body := decode(r)
		code := str(body, "code")
		if code != "WELCOME10" {
			okErr(w, "invalid_coupon", "unknown coupon")
			return
		}
		if !o.vuln && o.redeemed[a.Email+code] {
			okErr(w, "already_redeemed", "this coupon was already redeemed")
			return
		}
		o.redeemed[a.Email+code] = true
		o.balance[a.Email] += 10
		okRes(w, map[string]any{"code": code, "credited": 10, "balance": o.balance[a.Email]})
	case path == "/admin/accounts" && r.Method == "GET":
		if !o.vuln && a.Role != "admin" {
			okErr(w, "forbidden", "staff only")
			return
		}
		var list []any
		for _, id := range sortedKeys(o.balance) {
			list = append(list, map[string]any{"id": id, "balance": o.balance[id]})
		}
		okRes(w, list)
	case path == "/search" && r.Method == "GET":
		q := r.URL.Query().Get("q")
		if o.vuln && strings.Count(q, "'")%2 == 1 {
			okErr(w, "db_error", `pq: unterminated quoted string at or near "'`+q+`" (SQLSTATE 42601)`)
			return
		}
		var list []any
		for _, id := range sortedKeys(o.invoices) {
			inv := o.invoices[id]
			if inv.Account == a.Email && strings.Contains(inv.ID, q) {
				list = append(list, map[string]any{"id": inv.ID, "amount": inv.Amount})
			}
		}
		if list == nil {
			list = []any{}
		}
		okRes(w, list)
	default:
		okErr(w, "not_found", "no such route")
	}
}

const okSpec = `openapi: 3.0.1
info: {title: Billing, version: "2023-10-16"}
servers: [{url: "/"}]
security: [{apiKey: []}]
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
  schemas:
    Error:
      type: object
      properties:
        ok: {type: boolean}
        error: {type: object, properties: {code: {type: string}, message: {type: string}}}
    Invoice:
      type: object
      properties: {id: {type: string}, account: {type: string}, amount: {type: integer}, status: {type: string}}
paths:
  /account:
    get:
      summary: The calling account
      responses:
        "200": {description: "ok: true with the account, or ok: false with an error", content: {application/json: {schema: {type: object}}}}
  /invoices:
    get:
      summary: My invoices
      responses:
        "200": {description: "ok: true with the invoices, or ok: false", content: {application/json: {schema: {type: object}}}}
  /invoices/{invoice_id}:
    get:
      summary: One of my invoices
      parameters:
        - {name: invoice_id, in: path, required: true, schema: {type: string, pattern: "^inv_[A-Z0-9]{4}$"}}
      responses:
        "200": {description: "ok: true with the invoice, or ok: false", content: {application/json: {schema: {type: object}}}}
  /transfers:
    post:
      summary: Move credit to another account
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [to_account, amount]
              properties:
                to_account: {type: string}
                amount: {type: integer, minimum: 1}
      responses:
        "200": {description: "ok: true with the new balance, or ok: false", content: {application/json: {schema: {type: object}}}}
  /coupons/redeem:
    post:
      summary: Redeem a one-time coupon
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [code]
              properties:
                code: {type: string, example: WELCOME10}
      responses:
        "200": {description: "ok: true with the credit, or ok: false", content: {application/json: {schema: {type: object}}}}
  /reports/usage:
    get:
      summary: Usage report
      responses:
        "200": {description: "ok: true with the report, or ok: false", content: {application/json: {schema: {type: object}}}}
  /admin/accounts:
    get:
      summary: Every account (staff only)
      responses:
        "200": {description: "ok: true with the accounts, or ok: false", content: {application/json: {schema: {type: object}}}}
  /search:
    get:
      summary: Search my invoices
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
      responses:
        "200": {description: "ok: true with the matches, or ok: false", content: {application/json: {schema: {type: object}}}}
`
