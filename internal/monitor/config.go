package monitor

import (
	"net/netip"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/monitor/detect"
)

// Config is the monitor: section of escarp.yaml.
type Config struct {
	Target       string        `yaml:"target"`
	Listen       string        `yaml:"listen"`
	AdminAddr    string        `yaml:"admin_addr"`
	Spec         string        `yaml:"spec"`
	Webhook      string        `yaml:"webhook"`
	WebhookStyle string        `yaml:"webhook_style"` // json or slack
	Syslog       string        `yaml:"syslog"`        // udp://host:port, tcp://host:port or local
	Block        bool          `yaml:"block"`
	BlockTTL     time.Duration `yaml:"block_ttl"`
	BlockStatus  int           `yaml:"block_status"` // 429 or 403
	JWKS         string        `yaml:"jwks"`         // a JWKS file that verifies bearer JWTs
	Queue        int           `yaml:"queue"`
	// Signatures runs the OWASP CRS (Coraza) on one request in N; 0 is off.
	Signatures int   `yaml:"signatures"`
	Allow      Allow `yaml:"allow"`
	// Sensitive operations ("GET /boats/{boatId}") weigh double in bucket
	// detectors, as do operations escarp scan found a flaw on.
	Sensitive []string `yaml:"sensitive"`
}

// Allow lists traffic the detectors never see.
type Allow struct {
	Clients    []string `yaml:"clients"`    // addresses or CIDR prefixes
	Principals []string `yaml:"principals"` // "jwt:crawler", "key:…"
	Routes     []string `yaml:"routes"`     // "/health" or "GET /boats/{boatId}"
}

// Func compiles the allow-list into the engine's filter (nil when empty).
func (al Allow) Func() (func(*detect.Event) bool, error) {
	if len(al.Clients)+len(al.Principals)+len(al.Routes) == 0 {
		return nil, nil
	}
	var prefixes []netip.Prefix
	for _, c := range al.Clients {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			a, aerr := netip.ParseAddr(c)
			if aerr != nil {
				return nil, escarp.Errorf(escarp.Invalid, "monitor.allow.clients: %q is neither an address nor a CIDR prefix", c)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		prefixes = append(prefixes, p)
	}
	principals := map[string]bool{}
	for _, p := range al.Principals {
		principals[p] = true
	}
	routes := map[string]bool{}
	for _, r := range al.Routes {
		routes[strings.TrimSpace(r)] = true
	}
	return func(e *detect.Event) bool {
		if principals[e.Principal] && e.Verified {
			return true
		}
		if routes[e.Template] || routes[e.Operation()] || routes[e.Path] {
			return true
		}
		if len(prefixes) > 0 {
			if a, err := netip.ParseAddr(e.ClientIP); err == nil {
				for _, p := range prefixes {
					if p.Contains(a) {
						return true
					}
				}
			}
		}
		return false
	}, nil
}
