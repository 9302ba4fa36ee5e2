// Package shoptest is a small online shop, "Harbour Shop", that the tests
// of the authorization, authentication, property and business-flow checks
// scan. Every flaw is switched on by the id of the check that must find it
// ("ESC-DAST-BOLA-001"); with no flaw the shop is the safe twin, answering
// legitimate use the same way.
//
// It is a test fixture: in-memory, loopback only, HS256 JWTs from
// github.com/golang-jwt/jwt/v5.
package shoptest

import (
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Spec is the shop's OpenAPI 3.0 description.
//
//go:embed shop.yaml
var Spec []byte

// StrongSecret is the HMAC key of the safe shop; WeakSecret the one of a
// shop with flaw ESC-DAST-AUTHN-006.
const (
	StrongSecret = "9c1f6b2e0d8a4f37b5e21c6d9a0f3e87c4b2d1a6e9f08b7c" // #nosec G101 gitleaks:allow -- the key of a loopback test shop
	WeakSecret   = "secret"
)

// Shop is one shop instance. It is safe for concurrent use.
type Shop struct {
	flaws  map[string]bool
	secret []byte

	mu       sync.Mutex
	users    map[string]*user
	orders   map[string]*order
	products map[string]*product
	redeemed map[string]bool
	failures map[string]int // failed logins per user name
	next     int
}

type user struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Password string `json:"-"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Bio      string `json:"bio"`
	Role     string `json:"role"`
	Verified bool   `json:"verified"`
	Balance  int    `json:"balance"`
	Address  string `json:"-"`
	Card     string `json:"-"`
}

type order struct {
	ID       string `json:"id"`
	OwnerID  string `json:"owner_id"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
	Shipping string `json:"shipping"`
	Note     string `json:"note"`
	Address  string `json:"address"`
	Status   string `json:"status"`
}

type product struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price int    `json:"price"`
}

// New returns a shop with the flaws of the given check ids.
func New(flaws ...string) *Shop {
	s := &Shop{flaws: map[string]bool{}, secret: []byte(StrongSecret),
		orders: map[string]*order{}, redeemed: map[string]bool{}, failures: map[string]int{}, next: 5000}
	for _, f := range flaws {
		s.flaws[f] = true
	}
	if s.flaws["ESC-DAST-AUTHN-006"] {
		s.secret = []byte(WeakSecret)
	}
	s.users = map[string]*user{
		"100": {ID: "100", Username: "carol", Password: "carol-Adm1n!", Name: "Carol Admin", Email: "carol@harbour.test",
			Role: "admin", Verified: true, Address: "1 Quay Street, Portsmouth", Card: "378282246310005"},
		"101": {ID: "101", Username: "alice", Password: "alice-Pa55!", Name: "Alice Liddell", Email: "alice@harbour.test",
			Role: "user", Address: "12 Rabbit Hole Lane, Oxford", Card: "4242424242424242"},
		"102": {ID: "102", Username: "bob", Password: "bob-Pa55!", Name: "Bob Marley", Email: "bob@harbour.test",
			Role: "user", Address: "56 Hope Road, Kingston", Card: "5555555555554444"},
	}
	s.products = map[string]*product{
		"p1": {ID: "p1", Name: "Copper teapot", Price: 25},
		"p2": {ID: "p2", Name: "Brass kettle", Price: 40},
	}
	return s
}

// Users maps the identity names the tests configure to user ids.
var Users = map[string]string{"carol": "100", "alice": "101", "bob": "102"}

// Token returns a JWT for the named user ("alice", "bob", "carol") valid
// for an hour, signed with the shop's key.
func (s *Shop) Token(name string) string { return s.token(name, time.Hour) }

// ExpiredToken returns a JWT for the named user that expired an hour ago.
func (s *Shop) ExpiredToken(name string) string { return s.token(name, -time.Hour) }

func (s *Shop) token(name string, ttl time.Duration) string {
	u := s.users[Users[name]]
	if u == nil {
		panic("shoptest: no user " + name)
	}
	now := time.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": u.ID, "username": u.Username, "role": u.Role,
		"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(ttl).Unix(),
	})
	signed, err := t.SignedString(s.secret)
	if err != nil {
		panic(err)
	}
	return signed
}

// ServeHTTP routes a request.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " " + pattern(seg)
	if route == "POST /auth/login" {
		s.login(w, r)
		return
	}
	public := s.flaws["ESC-DAST-AUTHN-001"] && route == "GET /products"
	caller := s.caller(r)
	if caller == nil && !public {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shop"`)
		reply(w, http.StatusUnauthorized, map[string]string{"error": "authentication required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch route {
	case "GET /me":
		reply(w, 200, map[string]any{"id": caller.ID, "username": caller.Username, "email": caller.Email, "balance": caller.Balance})
	case "GET /users/*":
		s.getUser(w, caller, seg[1])
	case "PATCH /users/*":
		s.patchUser(w, r, caller, seg[1])
	case "GET /users/*/payment-methods":
		s.cards(w, caller, seg[1])
	case "GET /users/*/orders/*":
		o := s.orders[seg[3]]
		ok := o != nil && o.OwnerID == seg[1] && (s.flaws["ESC-DAST-BOLA-003"] || seg[1] == caller.ID)
		s.sendOrder(w, o, ok)
	case "GET /orders":
		owner := r.URL.Query().Get("owner_id")
		if owner != caller.ID && !s.flaws["ESC-DAST-BOLA-003"] {
			reply(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
			return
		}
		list := []*order{}
		for _, id := range sortedKeys(s.orders) {
			if s.orders[id].OwnerID == owner {
				list = append(list, s.orders[id])
			}
		}
		reply(w, 200, list)
	case "POST /orders":
		s.createOrder(w, r, caller)
	case "GET /orders/*":
		o := s.orders[seg[1]]
		s.sendOrder(w, o, s.mayRead(caller, o, "ESC-DAST-BOLA-001"))
	case "PUT /orders/*":
		o := s.orders[seg[1]]
		if !s.mayRead(caller, o, "ESC-DAST-BOLA-002") {
			reply(w, 404, map[string]string{"error": "no such order"})
			return
		}
		in, ok := s.decodeOrder(w, r)
		if !ok {
			return
		}
		o.Item, o.Quantity, o.Note = in.Item, in.Quantity, in.Note
		if in.Shipping != "" {
			o.Shipping = in.Shipping
		}
		reply(w, 200, o)
	case "DELETE /orders/*":
		o := s.orders[seg[1]]
		if !s.mayRead(caller, o, "ESC-DAST-BOLA-002") {
			reply(w, 404, map[string]string{"error": "no such order"})
			return
		}
		delete(s.orders, o.ID)
		w.WriteHeader(http.StatusNoContent)
	case "POST /orders/*/pay":
		o := s.orders[seg[1]]
		if o == nil || o.OwnerID != caller.ID {
			reply(w, 404, map[string]string{"error": "no such order"})
			return
		}
		if o.Status != "created" {
			reply(w, 409, map[string]string{"error": "order is " + o.Status})
			return
		}
		o.Status = "paid"
		reply(w, 200, o)
	case "POST /orders/*/confirm":
		o := s.orders[seg[1]]
		if o == nil || o.OwnerID != caller.ID {
			reply(w, 404, map[string]string{"error": "no such order"})
			return
		}
		if o.Status != "paid" && !(s.flaws["ESC-DAST-FLOW-001"] && o.Status == "created") {
			reply(w, 409, map[string]string{"error": "order must be paid first"})
			return
		}
		o.Status = "confirmed"
		reply(w, 200, o)
	case "POST /coupons/redeem":
		var in struct{ Code string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Code != "WELCOME10" {
			reply(w, 404, map[string]string{"error": "unknown coupon"})
			return
		}
		if s.redeemed[caller.ID] && !s.flaws["ESC-DAST-FLOW-002"] {
			reply(w, 409, map[string]string{"error": "coupon already redeemed"})
			return
		}
		s.redeemed[caller.ID] = true
		caller.Balance += 10
		reply(w, 200, map[string]any{"code": in.Code, "balance": caller.Balance})
	case "GET /products":
		list := []*product{}
		for _, id := range sortedKeys(s.products) {
			list = append(list, s.products[id])
		}
		reply(w, 200, list)
	case "GET /products/*":
		if p := s.products[seg[1]]; p != nil {
			reply(w, 200, p)
			return
		}
		reply(w, 404, map[string]string{"error": "no such product"})
	case "PUT /products/*", "PATCH /products/*", "DELETE /products/*":
		p := s.products[seg[1]]
		if !s.flaws["ESC-DAST-BFLA-002"] || p == nil {
			w.Header().Set("Allow", "GET")
			reply(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
			return
		}
		if r.Method == http.MethodDelete {
			delete(s.products, p.ID)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		var in product
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in.Name != "" {
			p.Name = in.Name
		}
		if in.Price > 0 {
			p.Price = in.Price
		}
		reply(w, 200, p)
	case "GET /admin/users":
		if !s.admin(caller) {
			reply(w, http.StatusForbidden, map[string]string{"error": "administrators only"})
			return
		}
		list := []map[string]any{}
		for _, id := range sortedKeys(s.users) {
			list = append(list, s.profile(s.users[id]))
		}
		reply(w, 200, list)
	case "POST /admin/products":
		if !s.admin(caller) {
			reply(w, http.StatusForbidden, map[string]string{"error": "administrators only"})
			return
		}
		var in product
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" || in.Price < 1 {
			reply(w, 422, map[string]string{"error": "invalid product"})
			return
		}
		s.next++
		in.ID = "p" + strconv.Itoa(s.next)
		s.products[in.ID] = &in
		reply(w, 201, &in)
	default:
		reply(w, 404, map[string]string{"error": "not found"})
	}
}

// pattern turns path segments into a route key, numbers and ids as "*".
func pattern(seg []string) string {
	out := make([]string, len(seg))
	for i, s := range seg {
		switch {
		case i%2 == 1 && (seg[0] == "users" || seg[0] == "orders" || seg[0] == "products"):
			out[i] = "*"
		case i == 3 && seg[0] == "users" && len(seg) > 2 && seg[2] == "orders":
			out[i] = "*"
		default:
			out[i] = s
		}
	}
	return "/" + strings.Join(out, "/")
}

func (s *Shop) admin(u *user) bool { return u.Role == "admin" || s.flaws["ESC-DAST-BFLA-001"] }

func (s *Shop) mayRead(caller *user, o *order, flaw string) bool {
	return o != nil && (o.OwnerID == caller.ID || caller.Role == "admin" || s.flaws[flaw])
}

func (s *Shop) sendOrder(w http.ResponseWriter, o *order, ok bool) {
	if !ok {
		reply(w, 404, map[string]string{"error": "no such order"})
		return
	}
	reply(w, 200, o)
}

func (s *Shop) profile(u *user) map[string]any {
	m := map[string]any{"id": u.ID, "username": u.Username, "name": u.Name, "email": u.Email,
		"bio": u.Bio, "role": u.Role, "verified": u.Verified}
	if s.flaws["ESC-DAST-PROP-002"] {
		m["password_hash"] = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
		m["internal_notes"] = "VIP, see ticket 4411"
		m["last_login_ip"] = "10.1.2.3"
	}
	return m
}

func (s *Shop) getUser(w http.ResponseWriter, caller *user, id string) {
	u := s.users[id]
	if u == nil || (u.ID != caller.ID && caller.Role != "admin") {
		reply(w, 404, map[string]string{"error": "no such user"})
		return
	}
	reply(w, 200, s.profile(u))
}

func (s *Shop) patchUser(w http.ResponseWriter, r *http.Request, caller *user, id string) {
	u := s.users[id]
	if u == nil || u.ID != caller.ID {
		reply(w, 404, map[string]string{"error": "no such user"})
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		reply(w, 400, map[string]string{"error": "invalid JSON"})
		return
	}
	if v, ok := in["name"].(string); ok {
		u.Name = v
	}
	if v, ok := in["bio"].(string); ok {
		u.Bio = v
	}
	if s.flaws["ESC-DAST-PROP-001"] {
		if v, ok := in["role"].(string); ok {
			u.Role = v
		}
		if v, ok := in["verified"].(bool); ok {
			u.Verified = v
		}
		if v, ok := in["balance"].(float64); ok {
			u.Balance = int(v)
		}
	}
	reply(w, 200, s.profile(u))
}

func (s *Shop) cards(w http.ResponseWriter, caller *user, id string) {
	u := s.users[id]
	if u == nil || u.ID != caller.ID {
		reply(w, 404, map[string]string{"error": "no such user"})
		return
	}
	number := "**** **** **** " + u.Card[len(u.Card)-4:]
	if s.flaws["ESC-DAST-PROP-003"] {
		number = u.Card
	}
	reply(w, 200, []map[string]string{{"id": "card-" + u.ID, "brand": "visa", "number": number, "holder": u.Name}})
}

func (s *Shop) createOrder(w http.ResponseWriter, r *http.Request, caller *user) {
	in, ok := s.decodeOrder(w, r)
	if !ok {
		return
	}
	s.next++
	o := &order{ID: strconv.Itoa(s.next), OwnerID: caller.ID, Item: in.Item, Quantity: in.Quantity,
		Shipping: in.Shipping, Note: in.Note, Address: caller.Address, Status: "created"}
	s.orders[o.ID] = o
	w.Header().Set("Location", "/orders/"+o.ID)
	reply(w, http.StatusCreated, o)
}

// decodeOrder reads and validates an order body, answering 422 when it
// is invalid.
func (s *Shop) decodeOrder(w http.ResponseWriter, r *http.Request) (order, bool) {
	var in order
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Item == "" {
		reply(w, 422, map[string]string{"error": "invalid order"})
		return in, false
	}
	if in.Shipping == "" {
		in.Shipping = "standard"
	}
	if !s.flaws["ESC-DAST-FLOW-003"] && (in.Quantity < 1 || in.Quantity > 10 || (in.Shipping != "standard" && in.Shipping != "express")) {
		reply(w, 422, map[string]string{"error": "quantity must be 1 to 10 and shipping standard or express"})
		return in, false
	}
	return in, true
}

// login answers POST /auth/login.
func (s *Shop) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		reply(w, 400, map[string]string{"error": "invalid JSON"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.flaws["ESC-DAST-AUTHN-009"] && s.failures[in.Username] >= 10 {
		w.Header().Set("Retry-After", "60")
		reply(w, http.StatusTooManyRequests, map[string]string{"error": "too many failed logins, try again later"})
		return
	}
	var u *user
	for _, x := range s.users {
		if x.Username == in.Username {
			u = x
		}
	}
	switch {
	case u != nil && u.Password == in.Password:
		reply(w, 200, map[string]any{"access_token": s.Token(u.Username), "token_type": "Bearer", "expires_in": 3600})
		return
	case s.flaws["ESC-DAST-AUTHN-008"] && u == nil:
		s.failures[in.Username]++
		reply(w, http.StatusNotFound, map[string]string{"error": "no such user"})
	case s.flaws["ESC-DAST-AUTHN-008"]:
		s.failures[in.Username]++
		reply(w, http.StatusUnauthorized, map[string]string{"error": "wrong password"})
	default:
		s.failures[in.Username]++
		reply(w, http.StatusUnauthorized, map[string]string{"error": "invalid username or password"})
	}
}

// caller authenticates a request, or returns nil.
func (s *Shop) caller(r *http.Request) *user {
	tok := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if tok == "" && s.flaws["ESC-DAST-AUTHN-007"] {
		tok = r.URL.Query().Get("access_token")
	}
	if tok == "" {
		return nil
	}
	claims, ok := s.verify(tok)
	if !ok {
		if s.flaws["ESC-DAST-AUTHN-002"] {
			return s.users["101"] // "fails open" to the last session
		}
		return nil
	}
	sub, _ := claims["sub"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[sub]
}

func (s *Shop) verify(tok string) (jwt.MapClaims, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, false
	}
	var head struct{ Alg string }
	if b, err := base64.RawURLEncoding.DecodeString(parts[0]); err == nil {
		_ = json.Unmarshal(b, &head)
	}
	unverified := func() (jwt.MapClaims, bool) {
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
			return nil, false
		}
		return claims, true
	}
	if strings.EqualFold(head.Alg, "none") {
		if s.flaws["ESC-DAST-AUTHN-003"] {
			return unverified()
		}
		return nil, false
	}
	if s.flaws["ESC-DAST-AUTHN-004"] {
		return unverified()
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"})}
	if s.flaws["ESC-DAST-AUTHN-005"] {
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	claims := jwt.MapClaims{}
	t, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return s.secret, nil }, opts...)
	if err != nil || !t.Valid {
		return nil, false
	}
	return claims, true
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String describes the shop's flaws, for test names.
func (s *Shop) String() string {
	if len(s.flaws) == 0 {
		return "safe"
	}
	return fmt.Sprint(sortedKeys(s.flaws))
}
