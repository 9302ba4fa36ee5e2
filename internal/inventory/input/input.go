// Package input turns what `escarp inventory import` is given into
// [inventory.Source] values: it detects each input's kind from its content
// (an OpenAPI or Swagger document, a Postman collection, a HAR recording,
// escarp code routes JSON, or an NGINX/Apache/Kong/Envoy/OpenTelemetry
// access log) and expands a directory into the files it holds.
package input

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/escarp/escarp"
	"github.com/escarp/escarp/internal/inventory"
	"github.com/escarp/escarp/internal/inventory/accesslog"
	"github.com/escarp/escarp/internal/inventory/routes"
	"github.com/escarp/escarp/internal/spec"
	"github.com/escarp/escarp/internal/spec/har"
	"github.com/escarp/escarp/internal/traffic"
)

// ErrUnknownKind is wrapped by [Open] for an input of no kind the
// inventory reads (a directory holds more than API material: skip it).
var ErrUnknownKind = errors.New("unknown input kind")

// logBatch is how many access-log observations are imported at once.
const logBatch = 10000

// Options tell a source what its observations belong to.
type Options struct {
	// Service names the service of what the input documents or observes
	// (default: a spec's title; traffic is matched by host and path).
	Service string
	// Host is the host of access-log lines that carry none.
	Host string
	// Now is when code routes are seen (default the current time).
	Now time.Time
}

// Open detects the kind of the input at path (a file, or an http(s) URL of
// an API description) and returns it as a source.
func Open(ctx context.Context, path string, opts Options) (inventory.Source, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	if strings.Contains(path, "://") {
		api, warns, err := spec.Load(ctx, path, spec.Options{})
		if err != nil {
			return nil, err
		}
		return Spec(api, warns, opts.Service), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, escarp.InvalidAt(escarp.Position{File: path}, "cannot read input: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64 << 10)
	first := string(head)
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	// Logs are streamed; everything else is read whole.
	if accesslog.Detect(first) != "" {
		return &logSource{f: f, r: br, path: path, opts: opts}, nil
	}
	defer f.Close()
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, escarp.InvalidAt(escarp.Position{File: path}, "reading: %w", err)
	}
	switch {
	case routes.Detect(data):
		return Routes(path, data, opts), nil
	case spec.Detect(data) == escarp.FormatHAR:
		xs, err := har.Read(bytes.NewReader(data))
		if err != nil {
			return nil, escarp.InvalidAt(escarp.Position{File: path}, "%w", err)
		}
		obs := make([]escarp.Observation, 0, len(xs))
		for i := range xs {
			obs = append(obs, traffic.Observe(&xs[i], opts.Service))
		}
		return batch{b: inventory.Batch{Observations: obs, Service: opts.Service}}, nil
	case spec.Detect(data) == "":
		return nil, &escarp.Error{Op: "inventory import", Kind: escarp.Invalid, Pos: escarp.Position{File: path, Line: 1},
			Message: "not an API description, HAR file, access log or code routes document", Err: ErrUnknownKind}
	default:
		api, warns, err := spec.LoadBytes(ctx, path, data, spec.Options{})
		if err != nil {
			return nil, err
		}
		return Spec(api, warns, opts.Service), nil
	}
}

// batch is a source of one batch.
type batch struct {
	b     inventory.Batch
	warns []escarp.Warning
	err   error
}

func (b batch) Observe(_ context.Context, add func(inventory.Batch) error) ([]escarp.Warning, error) {
	if b.err != nil {
		return b.warns, b.err
	}
	return b.warns, add(b.b)
}

// Spec is an API description as a source: it registers the service and
// documents its operations.
func Spec(api *escarp.API, warns []escarp.Warning, service string) inventory.Source {
	svc := inventory.ServiceForSpec(api, service)
	return batch{b: inventory.Batch{Specs: []inventory.SpecService{svc}, Observations: inventory.SpecObservations(api, svc.Name, time.Now().UTC())},
		warns: warns}
}

// Routes is a code routes document (`escarp code routes --format json`)
// called name as a source.
func Routes(name string, data []byte, opts Options) inventory.Source {
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	obs, err := routes.Parse(name, data, opts.Service, opts.Now)
	var specs []inventory.SpecService
	if opts.Service != "" {
		specs = []inventory.SpecService{{Name: opts.Service}}
	}
	return batch{b: inventory.Batch{Specs: specs, Observations: obs, Service: opts.Service}, err: err}
}

// logSource streams an access log in batches.
type logSource struct {
	f    *os.File
	r    *bufio.Reader
	path string
	opts Options
}

func (l *logSource) Observe(ctx context.Context, add func(inventory.Batch) error) ([]escarp.Warning, error) {
	defer l.f.Close()
	obs := make([]escarp.Observation, 0, logBatch)
	flush := func() error {
		if len(obs) == 0 {
			return nil
		}
		err := add(inventory.Batch{Observations: obs, Service: l.opts.Service})
		obs = obs[:0]
		return err
	}
	st, err := accesslog.Read(l.r, l.path, l.opts.Host, func(x *escarp.Exchange) error {
		obs = append(obs, traffic.Observe(x, l.opts.Service))
		if len(obs) == logBatch {
			return flush()
		}
		return ctx.Err()
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, err
	}
	return st.Warnings, nil
}

// Expand turns a directory into the importable files under it (by
// extension, skipping dot directories); a file or URL is itself.
func Expand(p string) ([]string, error) {
	if strings.Contains(p, "://") {
		return []string{p}, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, escarp.InvalidAt(escarp.Position{File: p}, "cannot read input: %w", err)
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && importable(d.Name()) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, escarp.InvalidAt(escarp.Position{File: p}, "reading directory: %w", err)
	}
	return files, nil
}

func importable(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json", ".har", ".log", ".jsonl", ".ndjson":
		return true
	}
	return false
}
