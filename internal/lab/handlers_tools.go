package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// vulnClient is the vulnerable lab's outbound client: it fetches anything,
// follows many redirects (bounded at 30 so the lab itself cannot loop
// forever) and has a timeout only to stay bounded.
var vulnClient = &http.Client{
	Timeout: 10 * time.Second,
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 30 {
			return errors.New("stopped after 30 redirects")
		}
		return nil
	},
}

// internalIP reports whether ip must never be fetched by the twin.
func internalIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.Equal(net.IPv4bcast) || (ip.To4() != nil && ip.To4()[0] == 100 && ip.To4()[1]&0xc0 == 64) // CGNAT
}

// safeClient is the twin's outbound client: public addresses only (checked
// at connect time, so DNS rebinding cannot sneak past), no redirects.
var safeClient = &http.Client{
	Timeout: 5 * time.Second,
	Transport: &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{Timeout: 3 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || internalIP(ip) {
				return fmt.Errorf("refusing to connect to internal address %s", host)
			}
			return nil
		}}).DialContext,
		TLSHandshakeTimeout:   3 * time.Second,
		ResponseHeaderTimeout: 3 * time.Second,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// checkPublicURL is the twin's first line against SSRF: http(s) only, and
// a host that resolves to public addresses only.
func checkPublicURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return nil, errors.New("url must be an absolute http or https URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
	if err != nil {
		return nil, errors.New("the host does not resolve")
	}
	for _, a := range addrs {
		if internalIP(a.IP) {
			return nil, errors.New("internal addresses are not allowed")
		}
	}
	return u, nil
}

// allowedHost reports whether u is https on one of hosts.
func allowedHost(raw string, hosts ...string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil {
		return false
	}
	for _, h := range hosts {
		if strings.EqualFold(u.Host, h) {
			return true
		}
	}
	return false
}

// avatarHosts are the image hosts the twin accepts avatars from.
var avatarHosts = []string{"images.quayside.test", "www.gravatar.com"}

// handleAvatar sets the caller's avatar from a URL. The vulnerable lab
// fetches whatever URL it is given (ssrf-avatar-fetch); the twin accepts
// the allow-listed image hosts only and does not fetch.
func (l *Lab) handleAvatar(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL string `json:"url"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	out := map[string]any{"avatar_url": in.URL}
	if l.secure {
		if !allowedHost(in.URL, avatarHosts...) {
			writeError(w, http.StatusBadRequest, "bad_request", "avatars must be https URLs on %s", strings.Join(avatarHosts, " or "))
			return
		}
	} else {
		resp, err := vulnClient.Get(in.URL)
		if err != nil {
			writeError(w, http.StatusBadGateway, "fetch_failed", "could not fetch the avatar: %v", err)
			return
		}
		n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		out["content_type"] = resp.Header.Get("Content-Type")
		out["bytes"] = n
	}
	if _, err := l.db.ExecContext(r.Context(), `UPDATE users SET avatar_url = ? WHERE id = ?`, in.URL, who(r).ID); err != nil {
		l.dbError(w, err, "UPDATE users SET avatar_url")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleWebhookTest sends a ping event to a webhook URL. The vulnerable
// lab posts anywhere, internal addresses included, and reflects the answer
// (ssrf-webhook-internal); the twin refuses internal addresses, follows no
// redirects and reports the status only.
func (l *Lab) handleWebhookTest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL string `json:"url"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	event := []byte(`{"event":"ping","source":"quayside-marina"}`)
	if l.secure {
		if _, err := checkPublicURL(r.Context(), in.URL); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "webhook url refused: %v", err)
			return
		}
		resp, err := safeClient.Post(in.URL, "application/json", bytes.NewReader(event))
		if err != nil {
			writeError(w, http.StatusBadGateway, "delivery_failed", "the webhook could not be delivered")
			return
		}
		resp.Body.Close()
		writeJSON(w, http.StatusOK, map[string]any{"delivered": resp.StatusCode < 300, "status": resp.StatusCode})
		return
	}
	resp, err := vulnClient.Post(in.URL, "application/json", bytes.NewReader(event))
	if err != nil {
		writeError(w, http.StatusBadGateway, "delivery_failed", "delivery failed: %v", err)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	writeJSON(w, http.StatusOK, map[string]any{"delivered": resp.StatusCode < 300, "status": resp.StatusCode, "response": string(body)})
}

// partnerHosts are the weather partners the twin imports from.
var partnerHosts = []string{"weather.quayside.test"}

// handleWeatherImport imports readings from a partner's weather feed. The
// vulnerable lab fetches any URL, follows redirects, reads a body of any
// size and pastes the partner's data into SQL (cons-partner-weather); the
// twin allow-lists the partner, bounds the response and binds parameters.
func (l *Lab) handleWeatherImport(w http.ResponseWriter, r *http.Request) {
	var in struct {
		FeedURL string `json:"feed_url"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	type feed struct {
		Station  string `json:"station"`
		Readings []struct {
			At     string  `json:"at"`
			WindKt float64 `json:"wind_kt"`
		} `json:"readings"`
	}
	var f feed
	if l.secure {
		if !allowedHost(in.FeedURL, partnerHosts...) {
			writeError(w, http.StatusBadRequest, "bad_request", "feed_url must be an https URL on %s", strings.Join(partnerHosts, ", "))
			return
		}
		resp, err := safeClient.Get(in.FeedURL)
		if err != nil {
			writeError(w, http.StatusBadGateway, "fetch_failed", "the partner feed is unavailable")
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 256<<10)).Decode(&f) != nil ||
			len(f.Station) > 40 || len(f.Readings) > 1000 {
			writeError(w, http.StatusBadGateway, "bad_feed", "the partner feed is not valid")
			return
		}
		for _, rd := range f.Readings {
			if _, err := l.db.ExecContext(r.Context(), `INSERT INTO weather (station, wind_kt, at) VALUES (?, ?, ?)`,
				f.Station, int(rd.WindKt), rd.At); err != nil {
				l.dbError(w, err, "INSERT INTO weather")
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"imported": len(f.Readings), "station": f.Station})
		return
	}
	resp, err := vulnClient.Get(in.FeedURL)
	if err != nil {
		writeError(w, http.StatusBadGateway, "fetch_failed", "could not fetch the feed: %v", err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, vulnMaxBody))
	if err := json.Unmarshal(body, &f); err != nil {
		writeError(w, http.StatusBadGateway, "bad_feed", "feed: %v (got %.300q)", err, body)
		return
	}
	for _, rd := range f.Readings {
		q := `INSERT INTO weather (station, wind_kt, at) VALUES ('` + f.Station + `', ` + strconv.Itoa(int(rd.WindKt)) + `, '` + rd.At + `')`
		if _, err := l.db.ExecContext(r.Context(), q); err != nil {
			l.dbError(w, err, q)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"imported": len(f.Readings), "station": f.Station})
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

// commandTimeout bounds the dns-lookup command.
const commandTimeout = 8 * time.Second

// handleDNSLookup resolves a host name with getent. The vulnerable lab runs
// it through /bin/sh with the host pasted in (inj-command-lookup) and no
// rate limit (rate-no-limit-lookup); the twin validates the name, runs
// getent without a shell and limits each client.
func (l *Lab) handleDNSLookup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Host string `json:"host"`
	}
	if !l.readJSON(w, r, &in) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	var cmd *exec.Cmd
	if l.secure {
		if !l.limits.allow("lookup:"+clientKey(r), rate.Limit(1), 5) {
			tooMany(w, 1)
			return
		}
		if !hostnameRE.MatchString(in.Host) {
			writeError(w, http.StatusBadRequest, "bad_request", "host must be a host name or an IP address")
			return
		}
		cmd = exec.CommandContext(ctx, "getent", "hosts", in.Host)
	} else {
		if in.Host == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "host is required")
			return
		}
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", "getent hosts "+in.Host)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			code = -1
		} else {
			code = ee.ExitCode()
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"host": in.Host, "found": code == 0, "output": out.String()})
}

// limitedBuffer keeps the first 64 KiB written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// handleDocument serves a marina document by file name. The vulnerable lab
// joins the name onto its directory (inj-path-traversal); the twin opens
// it through os.Root, which refuses to leave the directory.
func (l *Lab) handleDocument(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	if name == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "file is required: harbour-rules.txt, tide-table.txt or fuel-prices.txt")
		return
	}
	var (
		f   *os.File
		err error
	)
	if l.secure {
		var root *os.Root
		if root, err = os.OpenRoot(l.docs); err == nil {
			f, err = root.Open(name)
			root.Close()
		}
	} else {
		f, err = os.Open(filepath.Join(l.docs, name))
	}
	if err != nil {
		if l.secure {
			notFound(w, "document")
		} else {
			writeError(w, http.StatusNotFound, "not_found", "%v", err)
		}
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		notFound(w, "document")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(data)
}

type review struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Rating int    `json:"rating"`
	Body   string `json:"body"`
}

func (l *Lab) handleReviews(w http.ResponseWriter, r *http.Request) {
	rows, err := l.db.QueryContext(r.Context(), `SELECT id, user_id, rating, body FROM reviews ORDER BY id DESC LIMIT 50`)
	if err != nil {
		l.dbError(w, err, "SELECT ... FROM reviews")
		return
	}
	defer rows.Close()
	out := []review{}
	for rows.Next() {
		var rv review
		if err := rows.Scan(&rv.ID, &rv.UserID, &rv.Rating, &rv.Body); err != nil {
			l.dbError(w, err, "")
			return
		}
		if len(rv.Body) > 300 {
			rv.Body = rv.Body[:300] + "…"
		}
		out = append(out, rv)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

// handleCreateReview posts a review. The twin refuses bodies above 16 KiB
// (413); the vulnerable lab takes 32 MiB (rate-oversized-payload).
func (l *Lab) handleCreateReview(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Rating int    `json:"rating"`
		Body   string `json:"body"`
	}
	if !l.readJSONMax(w, r, &in, maxReview) {
		return
	}
	if in.Rating < 1 || in.Rating > 5 || in.Body == "" || (l.secure && len(in.Body) > 4000) {
		writeError(w, http.StatusBadRequest, "bad_request", "rating is 1 to 5 and body 1 to 4000 characters")
		return
	}
	res, err := l.db.ExecContext(r.Context(), `INSERT INTO reviews (user_id, rating, body) VALUES (?, ?, ?)`, who(r).ID, in.Rating, in.Body)
	if err != nil {
		l.dbError(w, err, "INSERT INTO reviews")
		return
	}
	id, _ := res.LastInsertId()
	rv := review{ID: id, UserID: who(r).ID, Rating: in.Rating, Body: in.Body}
	if len(rv.Body) > 300 {
		rv.Body = rv.Body[:300] + "…"
	}
	writeJSON(w, http.StatusCreated, rv)
}
