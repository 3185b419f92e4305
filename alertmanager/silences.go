// Package alertmanager asks Prometheus Alertmanager (API v2) for its
// silences, so that warroom can check that monitoring is back to baseline
// after an incident: "ensuring any alert silences have been removed"
// (seed 004). Only the wire format is here; which silences matter is the
// domain's (warroom.ActiveMatching).
package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/warroom/warroom"
)

// maxBody bounds an answer: thousands of silences fit in far less.
const maxBody = 16 << 20

// Client asks one or more Alertmanagers (of one cluster or several) for
// their silences.
type Client struct {
	// URLs are the Alertmanagers' base URLs, e.g. http://am:9093 (a path
	// prefix, for one behind a proxy, is kept).
	URLs []string
	// HTTP sends the requests; nil: a client with Timeout.
	HTTP *http.Client
	// Timeout bounds each request when HTTP is nil; default 5s.
	Timeout time.Duration
}

// gettableSilence is a silence as GET /api/v2/silences answers it.
// isEqual is optional on the wire and defaults to true (Alertmanager's
// OpenAPI document), hence the pointer.
type gettableSilence struct {
	ID       string                 `json:"id"`
	Status   struct{ State string } `json:"status"`
	Matchers []struct {
		Name    string `json:"name"`
		Value   string `json:"value"`
		IsRegex bool   `json:"isRegex"`
		IsEqual *bool  `json:"isEqual"`
	} `json:"matchers"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment"`
}

// Check asks every Alertmanager for its silences and returns the ones
// each answered, and for each that could not be asked, why. One
// Alertmanager down does not hide the others' silences.
// The Alertmanagers are asked at once, so one that does not answer costs
// its timeout once, not once per Alertmanager after it.
func (c *Client) Check(ctx context.Context) ([]warroom.Silence, map[string]string) {
	type answer struct {
		silences []warroom.Silence
		err      error
	}
	answers := make([]answer, len(c.URLs))
	var wg sync.WaitGroup
	for i, u := range c.URLs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ss, err := c.silences(ctx, u)
			answers[i] = answer{ss, err}
		}()
	}
	wg.Wait()
	var all []warroom.Silence
	failed := map[string]string{}
	for i, a := range answers {
		if a.err != nil {
			failed[Redacted(c.URLs[i])] = a.err.Error()
			continue
		}
		all = append(all, a.silences...)
	}
	if len(failed) == 0 {
		failed = nil
	}
	return all, failed
}

// Sources returns the Alertmanagers' URLs as a check reports them.
func (c *Client) Sources() []string {
	out := make([]string, len(c.URLs))
	for i, u := range c.URLs {
		out[i] = Redacted(u)
	}
	return out
}

// Redacted is a URL without the password it may carry.
func Redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

func (c *Client) silences(ctx context.Context, base string) ([]warroom.Silence, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v2/silences", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		t := c.Timeout
		if t <= 0 {
			t = 5 * time.Second
		}
		hc = &http.Client{Timeout: t}
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once, by the caller
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body[:min(len(body), 200)])))
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("the answer is over %d bytes", maxBody)
	}
	var got []gettableSilence
	if err := json.Unmarshal(body, &got); err != nil {
		return nil, fmt.Errorf("the answer is not a list of silences: %w", err)
	}
	source := Redacted(base)
	out := make([]warroom.Silence, 0, len(got))
	for _, g := range got {
		s := warroom.Silence{ID: g.ID, Source: source, State: g.Status.State, CreatedBy: g.CreatedBy, Comment: g.Comment, EndsAt: g.EndsAt}
		for _, m := range g.Matchers {
			s.Matchers = append(s.Matchers, warroom.SilenceMatcher{Name: m.Name, Value: m.Value, IsRegex: m.IsRegex, IsEqual: m.IsEqual == nil || *m.IsEqual})
		}
		out = append(out, s)
	}
	return out, nil
}
