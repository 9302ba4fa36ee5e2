package policy

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escarp/escarp/internal/netedge"
)

// cert makes a self-signed ECDSA P-256 certificate for 127.0.0.1, valid
// from notBefore to notAfter.
func cert(t *testing.T, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: notBefore, NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// server starts a real TLS server on loopback.
func server(t *testing.T, c tls.Certificate, minV, maxV uint16, suites []uint16, hsts string) string {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hsts != "" {
			w.Header().Set("Strict-Transport-Security", hsts)
		}
		_, _ = w.Write([]byte("ok"))
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{c}, MinVersion: minV, MaxVersion: maxV, CipherSuites: suites}
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s.URL
}

var strong = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}

func probe(t *testing.T, origin, httpOrigin string) *TLSFacts {
	t.Helper()
	origins := []string{origin}
	if httpOrigin != "" {
		origins = append(origins, httpOrigin)
	}
	e := netedge.New(netedge.Config{Origins: origins, TLS: &tls.Config{InsecureSkipVerify: true}, Timeout: 5 * time.Second, MaxRequests: 10})
	defer e.Close()
	facts, err := Probe(context.Background(), e, origin, ProbeOptions{HTTPOrigin: httpOrigin, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return facts
}

func encIDs(t *testing.T, facts *TLSFacts) []string {
	t.Helper()
	ctx := context.Background()
	set, err := Load(ctx, Options{Packs: []string{"encryption"}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := set.Eval(ctx, &Input{TLS: []*TLSFacts{facts}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		t.Logf("%s %s: %s", f.RuleID, f.Location.URL, f.Message)
		if f.Location.URL == "" {
			t.Errorf("%s: no URL in the location", f.RuleID)
		}
	}
	return ruleIDs(fs)
}

// TestTLSProbe: facts from real TLS servers on loopback - an expired
// certificate, a TLS 1.0-only server, a server without HSTS, a plain HTTP
// origin that does not redirect - are each caught, and a well-configured
// twin passes the encryption pack.
func TestTLSProbe(t *testing.T) {
	now := time.Now()
	good := cert(t, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	hsts := "max-age=31536000; includeSubDomains"

	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer redirector.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("hello")) }))
	defer plain.Close()

	t.Run("compliant", func(t *testing.T) {
		origin := server(t, good, tls.VersionTLS12, tls.VersionTLS13, strong, hsts)
		f := probe(t, origin, redirector.URL)
		if !slices.Equal(f.Versions, []string{"TLS 1.2", "TLS 1.3"}) {
			t.Errorf("versions %v, want TLS 1.2 and 1.3", f.Versions)
		}
		if len(f.Certificates) != 1 || f.Certificates[0].KeyType != "ECDSA" || f.Certificates[0].KeyBits != 256 || f.Certificates[0].DaysLeft < 88 {
			t.Errorf("certificates %+v", f.Certificates)
		}
		if !f.HSTS.Present || f.HSTS.MaxAge != 31536000 || !f.HSTS.IncludeSubDomains {
			t.Errorf("HSTS %+v", f.HSTS)
		}
		if f.Redirect == nil || !f.Redirect.ToHTTPS {
			t.Errorf("redirect %+v", f.Redirect)
		}
		if f.Trusted {
			t.Error("a self-signed certificate verified against the system roots")
		}
		if ids := encIDs(t, f); len(ids) != 0 {
			t.Errorf("compliant server broke %v", ids)
		}
	})
	t.Run("expired certificate", func(t *testing.T) {
		origin := server(t, cert(t, now.Add(-100*24*time.Hour), now.Add(-48*time.Hour)), tls.VersionTLS12, tls.VersionTLS13, strong, hsts)
		f := probe(t, origin, "")
		if f.Certificates[0].DaysLeft >= 0 {
			t.Errorf("daysLeft %d for an expired certificate", f.Certificates[0].DaysLeft)
		}
		if ids := encIDs(t, f); !slices.Equal(ids, []string{"ESC-POL-ENC-004"}) {
			t.Errorf("got %v, want [ESC-POL-ENC-004]", ids)
		}
	})
	t.Run("TLS 1.0 only", func(t *testing.T) {
		origin := server(t, good, tls.VersionTLS10, tls.VersionTLS10, nil, hsts)
		f := probe(t, origin, "")
		if !slices.Equal(f.Versions, []string{"TLS 1.0"}) {
			t.Fatalf("versions %v, want only TLS 1.0 (errors %v)", f.Versions, f.Errors)
		}
		ids := encIDs(t, f)
		if !slices.Contains(ids, "ESC-POL-ENC-002") {
			t.Errorf("got %v, want ESC-POL-ENC-002 among them", ids)
		}
		// TLS 1.0 has only CBC suites with SHA-1: weak as well.
		if !slices.Equal(ids, []string{"ESC-POL-ENC-002", "ESC-POL-ENC-003"}) {
			t.Errorf("got %v, want [ESC-POL-ENC-002 ESC-POL-ENC-003]", ids)
		}
	})
	t.Run("missing HSTS", func(t *testing.T) {
		origin := server(t, good, tls.VersionTLS12, tls.VersionTLS13, strong, "")
		f := probe(t, origin, "")
		if !f.HSTS.Checked || f.HSTS.Present {
			t.Errorf("HSTS %+v", f.HSTS)
		}
		if ids := encIDs(t, f); !slices.Equal(ids, []string{"ESC-POL-ENC-005"}) {
			t.Errorf("got %v, want [ESC-POL-ENC-005]", ids)
		}
	})
	t.Run("no redirect", func(t *testing.T) {
		origin := server(t, good, tls.VersionTLS12, tls.VersionTLS13, strong, hsts)
		f := probe(t, origin, plain.URL)
		if ids := encIDs(t, f); !slices.Equal(ids, []string{"ESC-POL-ENC-006"}) {
			t.Errorf("got %v, want [ESC-POL-ENC-006]", ids)
		}
	})
	t.Run("out of scope", func(t *testing.T) {
		e := netedge.New(netedge.Config{Origins: []string{"https://127.0.0.1:1"}})
		defer e.Close()
		_, err := Probe(context.Background(), e, "https://127.0.0.2:443", ProbeOptions{})
		if err == nil || !strings.Contains(err.Error(), "out of scope") {
			t.Errorf("probe of an origin out of scope: %v", err)
		}
	})
}
