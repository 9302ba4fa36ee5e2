package report

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
	"github.com/escarp/escarp/internal/sensitive"
)

// redactFinding returns f with everything that may carry a secret passed
// through internal/redact: evidence headers, bodies and URLs, the
// reproducer, location URLs and snippets, messages and properties. Shared
// slices and maps are copied, never modified.
func redactFinding(f escarp.Finding) escarp.Finding {
	f.Message = redact.String(f.Message)
	f.Location = redactLocation(f.Location)
	if f.Evidence != nil {
		ev := *f.Evidence
		ev.Note = redact.String(ev.Note)
		ev.Request = redactMessage(ev.Request)
		ev.Response = redactMessage(ev.Response)
		f.Evidence = &ev
	}
	f.Reproducer = redactReproducer(f.Reproducer)
	if f.Flows != nil {
		flows := make([][]escarp.Location, len(f.Flows))
		for i, flow := range f.Flows {
			flows[i] = make([]escarp.Location, len(flow))
			for j, l := range flow {
				flows[i][j] = redactLocation(l)
			}
		}
		f.Flows = flows
	}
	if f.Properties != nil {
		props := make(map[string]string, len(f.Properties))
		for k, v := range f.Properties {
			if sensitive.Name(k) {
				v = redact.Mask
			}
			props[k] = redact.String(v)
		}
		f.Properties = props
	}
	return f
}

func redactLocation(l escarp.Location) escarp.Location {
	if l.URL != "" {
		l.URL = redact.RawURL(l.URL)
	}
	l.Snippet = redact.String(l.Snippet)
	l.Message = redact.String(l.Message)
	return l
}

func redactMessage(m *escarp.HTTPMessage) *escarp.HTTPMessage {
	if m == nil {
		return nil
	}
	cp := *m
	if cp.URL != "" {
		cp.URL = redact.RawURL(cp.URL)
	}
	if cp.Header != nil {
		cp.Header = map[string][]string(redact.Header(http.Header(cp.Header)))
	}
	cp.Body = redact.Body(cp.Body)
	return &cp
}

var (
	// quotedURL matches URLs in a shell command, up to a quote or a space.
	quotedURL = regexp.MustCompile(`https?://[^\s'"]+`)
	// curlData matches a curl body option with a quoted argument.
	curlData = regexp.MustCompile(`((?:--data-raw|--data-binary|--data|-d)\s+)'([^']*)'`)
	// curlHeader matches a curl header option: -H 'Name: value'.
	curlHeader = regexp.MustCompile(`(-H\s+|--header\s+)(['"]?)([A-Za-z0-9_-]+):[ \t]*([^'"\n]*)`)
)

// redactReproducer masks secrets in a reproducer command: well-known token
// shapes, credentials in URLs and secret query parameters. Shell variables
// ($ALICE_TOKEN), which is how reproducers name credentials, are kept.
func redactReproducer(s string) string {
	if s == "" {
		return s
	}
	s = redact.String(s)
	s = curlHeader.ReplaceAllStringFunc(s, func(m string) string {
		sub := curlHeader.FindStringSubmatch(m)
		name, value := sub[3], sub[4]
		if !sensitive.Name(name) || strings.Contains(value, "$") {
			return m
		}
		h := redact.Header(http.Header{name: {value}})
		return sub[1] + sub[2] + name + ": " + h[name][0]
	})
	s = curlData.ReplaceAllStringFunc(s, func(m string) string {
		sub := curlData.FindStringSubmatch(m)
		return sub[1] + "'" + redact.Body(sub[2]) + "'"
	})
	return quotedURL.ReplaceAllStringFunc(s, func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			return redact.String(raw)
		}
		changed := false
		if u.User != nil {
			if p, ok := u.User.Password(); ok && !strings.HasPrefix(p, "$") {
				u.User = url.UserPassword(u.User.Username(), redact.Mask)
				changed = true
			}
		}
		if u.RawQuery != "" {
			parts := strings.Split(u.RawQuery, "&")
			for i, p := range parts {
				k, v, ok := strings.Cut(p, "=")
				if ok && sensitive.Name(k) && !strings.HasPrefix(v, "$") && v != redact.Mask {
					parts[i] = k + "=" + redact.Mask
					changed = true
				}
			}
			u.RawQuery = strings.Join(parts, "&")
		}
		if !changed {
			return raw
		}
		return u.String()
	})
}
