package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/redact"
)

// harDoc is the part of HAR 1.2 the monitor reads and writes. The
// non-standard entry field _clientAddress carries the client address (HAR
// allows custom fields that start with an underscore).
type harDoc struct {
	Log struct {
		Version string     `json:"version"`
		Creator harCreator `json:"creator"`
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	ClientAddress   string      `json:"_clientAddress,omitempty"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
}

type harRequest struct {
	Method      string   `json:"method"`
	URL         string   `json:"url"`
	HTTPVersion string   `json:"httpVersion"`
	Headers     []harNV  `json:"headers"`
	QueryString []harNV  `json:"queryString"`
	Cookies     []harNV  `json:"cookies"`
	PostData    *harPost `json:"postData,omitempty"`
	HeadersSize int      `json:"headersSize"`
	BodySize    int64    `json:"bodySize"`
}

type harPost struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Headers     []harNV    `json:"headers"`
	Cookies     []harNV    `json:"cookies"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int64      `json:"bodySize"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// maxHAR bounds a HAR document read into memory.
const maxHAR = 512 << 20

func readHAR(r io.Reader, name string, fn func(*Record) error) (*Stats, error) {
	var doc harDoc
	dec := json.NewDecoder(io.LimitReader(r, maxHAR))
	if err := dec.Decode(&doc); err != nil {
		return nil, escarp.InvalidAt(escarp.Position{File: name, Line: 1}, "HAR: %v", err)
	}
	st := &Stats{}
	for i, e := range doc.Log.Entries {
		if e.Request.Method == "" || e.Request.URL == "" {
			st.Skipped++
			if len(st.Warnings) < 20 {
				st.Warnings = append(st.Warnings, escarp.Warning{Pos: escarp.Position{File: name}, Message: fmt.Sprintf("entry %d has no request", i)})
			}
			continue
		}
		rec := &Record{X: escarp.Exchange{Method: strings.ToUpper(e.Request.Method), URL: e.Request.URL,
			RequestHeader: map[string][]string{}, Status: e.Response.Status, ClientIP: e.ClientAddress, Duration: e.Time}}
		if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
			rec.X.Time = t.UTC().Format(time.RFC3339Nano)
		}
		for _, h := range e.Request.Headers {
			if !strings.HasPrefix(h.Name, ":") {
				rec.X.RequestHeader[h.Name] = append(rec.X.RequestHeader[h.Name], h.Value)
			}
		}
		if e.Request.PostData != nil {
			rec.X.RequestBody = e.Request.PostData.Text
		}
		text := e.Response.Content.Text
		if strings.EqualFold(e.Response.Content.Encoding, "base64") {
			text = ""
		}
		rec.X.ResponseBody = text
		rec.Meta.RespBytes = max(e.Response.Content.Size, e.Response.BodySize, int64(len(text)))
		rec.Meta.ReqBytes = max(e.Request.BodySize, int64(len(rec.X.RequestBody)))
		st.Records++
		if err := fn(rec); err != nil {
			return st, err
		}
	}
	return st, nil
}

// WriteHAR writes exchanges as a HAR 1.2 document. With redactSecrets,
// credentials in headers and bodies are replaced (the form escarp scan
// --seed-har takes: it authenticates with its own identities).
func WriteHAR(w io.Writer, records []Record, redactSecrets bool) error {
	var doc harDoc
	doc.Log.Version = "1.2"
	doc.Log.Creator = harCreator{Name: "escarp monitor", Version: "1"}
	doc.Log.Entries = []harEntry{}
	for _, r := range records {
		x := r.X
		e := harEntry{StartedDateTime: x.Time, Time: x.Duration, ClientAddress: x.ClientIP}
		h := http.Header(x.RequestHeader)
		body := x.RequestBody
		if redactSecrets {
			h = redact.Header(h)
			body = redact.Body(body)
		}
		e.Request = harRequest{Method: x.Method, URL: x.URL, HTTPVersion: "HTTP/1.1", Headers: nvs(h), QueryString: []harNV{},
			Cookies: []harNV{}, HeadersSize: -1, BodySize: r.Meta.ReqBytes}
		if body != "" {
			e.Request.PostData = &harPost{MimeType: first(h, "Content-Type", "application/json"), Text: body}
		}
		rb := x.ResponseBody
		if redactSecrets {
			rb = redact.Body(rb)
		}
		size := r.Meta.RespBytes
		if size == 0 {
			size = int64(len(rb))
		}
		e.Response = harResponse{Status: x.Status, StatusText: http.StatusText(x.Status), HTTPVersion: "HTTP/1.1",
			Headers: nvs(http.Header(x.ResponseHeader)), Cookies: []harNV{}, HeadersSize: -1, BodySize: size,
			Content: harContent{Size: size, MimeType: first(http.Header(x.ResponseHeader), "Content-Type", "application/octet-stream"), Text: rb}}
		doc.Log.Entries = append(doc.Log.Entries, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(doc)
}

func nvs(h http.Header) []harNV {
	out := []harNV{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, harNV{Name: k, Value: v})
		}
	}
	return out
}

func first(h http.Header, k, def string) string {
	if v := h.Get(k); v != "" {
		return v
	}
	return def
}
