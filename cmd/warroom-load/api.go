package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// api is a small client of warroom's JSON API, for the setup a run needs
// (a service, an integration, and for --page-latency a person to page).
type api struct {
	base   string
	token  string
	client *http.Client
}

// apiError is the API's error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// do sends in as JSON (nil: no body) and decodes a 2xx answer into out
// (nil: ignored). Any other answer is an error quoting the server, with
// the status.
func (a *api) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 != 2 {
		var e apiError
		msg := string(raw)
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
			if e.Error.Field != "" {
				msg += " (field " + e.Error.Field + ")"
			}
		}
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// ensureService makes sure the service slug exists, creating it if not.
func (a *api) ensureService(ctx context.Context, slug, name string) error {
	status, err := a.do(ctx, http.MethodGet, "/api/v1/services/"+url.PathEscape(slug), nil, nil)
	if status == http.StatusNotFound {
		_, err = a.do(ctx, http.MethodPost, "/api/v1/services", map[string]any{"slug": slug, "name": name}, nil)
	}
	return err
}

// createIntegration creates an integration of kind on the service and
// returns its key.
func (a *api) createIntegration(ctx context.Context, service, kind, name string) (string, error) {
	var out struct {
		Key string `json:"key"`
	}
	_, err := a.do(ctx, http.MethodPost, "/api/v1/services/"+url.PathEscape(service)+"/integrations",
		map[string]any{"kind": kind, "name": name}, &out)
	if err == nil && out.Key == "" {
		err = fmt.Errorf("creating an integration on %s: the answer holds no key", service)
	}
	return out.Key, err
}

// pagingSetup is what --page-latency creates: a person whose only contact
// method is a webhook to receiverURL, an escalation policy paging them,
// and services services (slugs prefix-1, prefix-2, ...) whose paging is
// that policy, with critical alerts declaring an incident. It returns the
// keys of a new alertmanager integration on each service.
//
// Each probe goes to a service of its own (round robin over them), so
// that each declares an incident and pages under the server's default
// alert incident limit (a few incidents per service per window; further
// groups join the newest open incident and page nobody), as an unrelated
// service's first alert in a storm would.
func (a *api) pagingSetup(ctx context.Context, prefix, run, receiverURL string, services int) ([]string, error) {
	handle := "load-pager-" + run
	if _, err := a.do(ctx, http.MethodPost, "/api/v1/users", map[string]any{"handle": handle, "name": "warroom-load pager " + run,
		"email": handle + "@example.com", "role": "responder"}, nil); err != nil {
		return nil, err
	}
	if _, err := a.do(ctx, http.MethodPost, "/api/v1/users/"+handle+"/contact-methods",
		map[string]any{"channel": "webhook", "address": receiverURL}, nil); err != nil {
		return nil, err
	}
	policy := "warroom-load-" + run
	// One step; its delay (the minimum a policy allows is 1m) is longer
	// than any run waits, so each probe is paged exactly once.
	if _, err := a.do(ctx, http.MethodPost, "/api/v1/escalation-policies", map[string]any{"name": policy,
		"steps": []any{map[string]any{"targets": []any{map[string]any{"type": "user", "id": handle}}, "delay": "1h"}}}, nil); err != nil {
		return nil, err
	}
	rules := []any{map[string]any{"min_severity": "critical", "action": "declare", "incident_severity": "SEV2"}}
	keys := make([]string, 0, services)
	for i := range services {
		service := fmt.Sprintf("%s-%d", prefix, i+1)
		if err := a.ensureService(ctx, service, "warroom-load pages"); err != nil {
			return nil, err
		}
		if _, err := a.do(ctx, http.MethodPut, "/api/v1/services/"+url.PathEscape(service)+"/paging",
			map[string]any{"escalation_policy": policy, "alert_rules": rules}, nil); err != nil {
			return nil, err
		}
		key, err := a.createIntegration(ctx, service, "alertmanager", "warroom-load pages "+run)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}
