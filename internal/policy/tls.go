package policy

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Edge is what the TLS probe needs from the one network edge
// (internal/netedge): a round tripper that enforces scope and budgets for
// the HTTP requests, and the scope check the TLS handshakes apply before
// dialling.
type Edge interface {
	http.RoundTripper
	InScope(u *url.URL) bool
}

// TLSFacts are what the probe learnt about one HTTPS origin
// (input.tls[]). Only what policies need: protocol versions offered,
// cipher suites, the certificate chain with expiry and key sizes, HSTS,
// and whether plain HTTP redirects to HTTPS.
type TLSFacts struct {
	Origin string `json:"origin"`
	// Versions offered, oldest first ("TLS 1.0" ... "TLS 1.3").
	Versions []string `json:"versions"`
	// CipherSuites accepted per version (TLS 1.3: the one negotiated).
	CipherSuites []CipherSuite `json:"cipherSuites"`
	// Certificates is the chain the server sent, leaf first.
	Certificates []Certificate `json:"certificates"`
	// Trusted says whether the chain verifies against the system roots for
	// the host; VerifyError says why not.
	Trusted     bool          `json:"trusted"`
	VerifyError string        `json:"verifyError,omitempty"`
	HSTS        HSTS          `json:"hsts"`
	Redirect    *HTTPRedirect `json:"httpRedirect,omitempty"`
	// Errors are what the probe could not find out.
	Errors []string `json:"errors,omitempty"`
}

// CipherSuite is one suite the server accepted.
type CipherSuite struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Insecure is Go's own verdict (tls.InsecureCipherSuites).
	Insecure bool `json:"insecure"`
}

// Certificate is one certificate of the chain.
type Certificate struct {
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	NotBefore string `json:"notBefore"` // RFC 3339
	NotAfter  string `json:"notAfter"`
	// DaysLeft is the number of whole days until NotAfter, negative once
	// it has passed.
	DaysLeft   int    `json:"daysLeft"`
	KeyType    string `json:"keyType"` // RSA, ECDSA, Ed25519
	KeyBits    int    `json:"keyBits"`
	SelfSigned bool   `json:"selfSigned"`
}

// HSTS is the Strict-Transport-Security header of the origin's answer.
type HSTS struct {
	Checked           bool   `json:"checked"`
	Present           bool   `json:"present"`
	Header            string `json:"header,omitempty"`
	MaxAge            int64  `json:"maxAge"`
	IncludeSubDomains bool   `json:"includeSubDomains"`
	Status            int    `json:"status,omitempty"`
}

// HTTPRedirect is how the plain http:// origin answers.
type HTTPRedirect struct {
	Checked  bool   `json:"checked"`
	Origin   string `json:"origin"`
	Status   int    `json:"status,omitempty"`
	Location string `json:"location,omitempty"`
	ToHTTPS  bool   `json:"toHTTPS"`
}

// ProbeOptions tune [Probe].
type ProbeOptions struct {
	// HTTPOrigin is the plain http:// origin to check for a redirect; it
	// must be in the edge's scope. Empty: not checked.
	HTTPOrigin string
	// Timeout bounds each handshake (default 5 s).
	Timeout time.Duration
	// Now is the clock for DaysLeft; time.Now when nil.
	Now func() time.Time
	// MaxHandshakes bounds the handshakes of one probe (default 64).
	MaxHandshakes int
	// Dial replaces the TCP dialer (tests).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

var versions = []struct {
	id   uint16
	name string
}{{tls.VersionTLS10, "TLS 1.0"}, {tls.VersionTLS11, "TLS 1.1"}, {tls.VersionTLS12, "TLS 1.2"}, {tls.VersionTLS13, "TLS 1.3"}}

// Probe gathers the TLS facts of one https:// origin. Every connection
// stays in the edge's scope: the HTTP requests go through the edge, and
// the handshakes are refused unless the edge's scope holds the origin.
// What cannot be found out is recorded in Errors; the error is only for
// an origin that is not https:// or not in scope.
func Probe(ctx context.Context, edge Edge, origin string, opts ProbeOptions) (*TLSFacts, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("tls probe: %q is not an https:// origin", origin)
	}
	if !edge.InScope(u) {
		return nil, fmt.Errorf("tls probe: %s is out of scope", origin)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.MaxHandshakes <= 0 {
		opts.MaxHandshakes = 64
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	host := u.Hostname()
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(host, "443")
	}
	facts := &TLSFacts{Origin: u.Scheme + "://" + u.Host, Versions: []string{}, CipherSuites: []CipherSuite{}, Certificates: []Certificate{}}
	p := &prober{addr: addr, host: host, opts: opts}

	all := append(tls.CipherSuites(), tls.InsecureCipherSuites()...)
	var allIDs []uint16
	for _, s := range all {
		allIDs = append(allIDs, s.ID)
	}
	var best *tls.ConnectionState
	var lastErr error
	for _, v := range versions {
		st, err := p.handshake(ctx, v.id, allIDs)
		if err != nil {
			lastErr = err
			continue
		}
		facts.Versions = append(facts.Versions, v.name)
		best = st
		if v.id == tls.VersionTLS13 {
			facts.CipherSuites = append(facts.CipherSuites, CipherSuite{Name: tls.CipherSuiteName(st.CipherSuite), Version: v.name})
			continue
		}
		for _, s := range all {
			if !slices.Contains(s.SupportedVersions, v.id) {
				continue
			}
			if _, err := p.handshake(ctx, v.id, []uint16{s.ID}); err == nil {
				facts.CipherSuites = append(facts.CipherSuites, CipherSuite{Name: s.Name, Version: v.name, Insecure: s.Insecure})
			}
		}
	}
	if p.limited {
		facts.Errors = append(facts.Errors, fmt.Sprintf("stopped after %d handshakes: the cipher suite list may be incomplete", opts.MaxHandshakes))
	}
	if best == nil {
		msg := "no TLS handshake succeeded"
		if lastErr != nil {
			msg += ": " + lastErr.Error()
		}
		facts.Errors = append(facts.Errors, msg)
	} else {
		facts.Certificates, facts.Trusted, facts.VerifyError = chain(best, host, now())
	}

	client := &http.Client{Transport: edge, Timeout: 2 * opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	facts.HSTS = hsts(ctx, client, facts.Origin+"/", &facts.Errors)
	if opts.HTTPOrigin != "" {
		facts.Redirect = redirect(ctx, client, opts.HTTPOrigin, &facts.Errors)
	}
	return facts, nil
}

type prober struct {
	addr, host string
	opts       ProbeOptions
	n          int
	limited    bool
}

// handshake connects with one version and the given suites and returns
// the connection state.
func (p *prober) handshake(ctx context.Context, version uint16, suites []uint16) (*tls.ConnectionState, error) {
	if p.n >= p.opts.MaxHandshakes {
		p.limited = true
		return nil, errors.New("handshake budget spent")
	}
	p.n++
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	dial := p.opts.Dial
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	cfg := &tls.Config{ServerName: p.host, MinVersion: version, MaxVersion: version, CipherSuites: suites,
		InsecureSkipVerify: true} // #nosec G402 -- the probe reports on certificates, it does not trust them
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	st := tc.ConnectionState()
	return &st, nil
}

// chain describes the certificates of st and verifies them for host.
func chain(st *tls.ConnectionState, host string, now time.Time) ([]Certificate, bool, string) {
	out := []Certificate{}
	for _, c := range st.PeerCertificates {
		kt, bits := keyOf(c)
		out = append(out, Certificate{
			Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			NotBefore: c.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.NotAfter.UTC().Format(time.RFC3339),
			DaysLeft: int(c.NotAfter.Sub(now).Hours() / 24), KeyType: kt, KeyBits: bits,
			SelfSigned: c.Subject.String() == c.Issuer.String() && c.CheckSignatureFrom(c) == nil,
		})
		if c.NotAfter.Before(now) {
			out[len(out)-1].DaysLeft = -int(now.Sub(c.NotAfter).Hours()/24) - 1
		}
	}
	if len(st.PeerCertificates) == 0 {
		return out, false, "no certificate"
	}
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := st.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: host, Intermediates: inter, CurrentTime: now})
	if err != nil {
		return out, false, err.Error()
	}
	return out, true, ""
}

func keyOf(c *x509.Certificate) (string, int) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return c.PublicKeyAlgorithm.String(), 0
}

var maxAgeRE = regexp.MustCompile(`(?i)max-age\s*=\s*"?([0-9]+)"?`)

// hsts reads the Strict-Transport-Security header of a GET of u.
func hsts(ctx context.Context, client *http.Client, u string, errs *[]string) HSTS {
	var h HSTS
	resp, err := get(ctx, client, u)
	if err != nil {
		*errs = append(*errs, "HSTS: "+err.Error())
		return h
	}
	h.Checked, h.Status = true, resp.StatusCode
	v := resp.Header.Get("Strict-Transport-Security")
	if v == "" {
		return h
	}
	h.Present, h.Header = true, v
	if m := maxAgeRE.FindStringSubmatch(v); m != nil {
		h.MaxAge, _ = strconv.ParseInt(m[1], 10, 64)
	}
	h.IncludeSubDomains = strings.Contains(strings.ToLower(v), "includesubdomains")
	return h
}

// redirect checks that the plain HTTP origin redirects to HTTPS.
func redirect(ctx context.Context, client *http.Client, origin string, errs *[]string) *HTTPRedirect {
	r := &HTTPRedirect{Origin: strings.TrimSuffix(origin, "/")}
	if u, err := url.Parse(origin); err != nil || u.Scheme != "http" {
		*errs = append(*errs, fmt.Sprintf("HTTP redirect: %q is not an http:// origin", origin))
		return r
	}
	resp, err := get(ctx, client, r.Origin+"/")
	if err != nil {
		*errs = append(*errs, "HTTP redirect: "+err.Error())
		return r
	}
	r.Checked, r.Status = true, resp.StatusCode
	r.Location = resp.Header.Get("Location")
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		r.ToHTTPS = strings.HasPrefix(strings.ToLower(r.Location), "https://")
	}
	return r
}

func get(ctx context.Context, client *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp, nil
}
