// Package fetch makes outbound HTTP requests for the fixture.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Client fetches remote resources.
type Client struct {
	HTTP *http.Client
}

var errHost = errors.New("host not allowed")

// Preview fetches the first kilobyte of target, which must be on the image
// host.
func Preview(target string) ([]byte, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "https" || u.Host != "images.example.com" {
		return nil, errHost
	}
	resp, err := http.Get(u.String())
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1024))
}

// allowedHooks are the only webhook receivers.
var allowedHooks = map[string]bool{"hooks.example.com": true, "events.example.org": true}

// Notify posts an event to a webhook on an allowed host.
func (c *Client) Notify(ctx context.Context, hook Webhook) error {
	u, err := url.Parse(hook.URL)
	if err != nil || u.Scheme != "https" || !allowedHooks[u.Hostname()] {
		return errHost
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return resp.Body.Close()
}

// Webhook is where events go.
type Webhook struct {
	URL   string `json:"url"`
	Event string `json:"event"`
}
