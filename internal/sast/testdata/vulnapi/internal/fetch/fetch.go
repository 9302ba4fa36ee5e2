// Package fetch makes outbound HTTP requests for the fixture.
package fetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Client fetches remote resources.
type Client struct {
	HTTP *http.Client
}

// Preview fetches the first kilobyte of target.
func Preview(target string) ([]byte, error) {
	resp, err := http.Get(target)
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1024))
}

// Notify posts an event to a webhook.
func (c *Client) Notify(ctx context.Context, hook Webhook) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, nil)
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
