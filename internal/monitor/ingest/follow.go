package ingest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"github.com/escarp/escarp"
)

// Follow tails the log at path in format (a line-based one; "" detects it
// from the first line) like tail -F: it reads what is there, then polls
// for growth, and reopens the path from its start when the file is
// replaced (rotation) or truncated. It returns when ctx ends.
func Follow(ctx context.Context, path, format string, poll time.Duration, fn func(*Record) error) (*Stats, error) {
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	st := &Stats{}
	var (
		f       *os.File
		info    os.FileInfo
		br      *bufio.Reader
		partial strings.Builder
		parse   func(string) (*Record, error)
		line    int
	)
	if format != "" {
		p, err := LineParser(format)
		if err != nil {
			return nil, err
		}
		parse = p
	}
	open := func() error {
		nf, err := os.Open(path)
		if err != nil {
			return err
		}
		if f != nil {
			f.Close()
		}
		f, br, line = nf, bufio.NewReaderSize(nf, 64<<10), 0
		info, _ = f.Stat()
		partial.Reset()
		return nil
	}
	if err := open(); err != nil {
		return nil, escarp.Errorf(escarp.Invalid, "monitor ingest --follow %s: %w", path, err)
	}
	defer func() { f.Close() }()
	for {
		// Read every complete line available.
		for {
			s, err := br.ReadString('\n')
			partial.WriteString(s)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					return st, escarp.Errorf(escarp.Unavailable, "reading %s: %w", path, err)
				}
				break
			}
			text := partial.String()
			partial.Reset()
			line++
			if parse == nil {
				if format = Detect([]byte(text)); format == "" || format == HAR {
					return st, escarp.InvalidAt(escarp.Position{File: path, Line: line}, "--follow reads combined, nginx-json, envoy or kong logs")
				}
				parse, _ = LineParser(format)
			}
			if err := st.line(path, line, text, parse, fn); err != nil {
				return st, err
			}
		}
		select {
		case <-ctx.Done():
			return st, nil
		case <-time.After(poll):
		}
		// Rotated (a new file at the path) or truncated: start again.
		ni, err := os.Stat(path)
		if err != nil {
			continue // between rename and create
		}
		pos, _ := f.Seek(0, io.SeekCurrent)
		if !os.SameFile(info, ni) || ni.Size() < pos {
			// Finish the old file first: a writer may have added lines
			// after our last read and before the rename.
			for {
				s, err := br.ReadString('\n')
				partial.WriteString(s)
				if err != nil {
					break
				}
				text := partial.String()
				partial.Reset()
				line++
				if parse == nil {
					continue
				}
				if err := st.line(path, line, text, parse, fn); err != nil {
					return st, err
				}
			}
			if err := open(); err != nil {
				continue
			}
		}
	}
}
