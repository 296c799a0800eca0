package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/atrium-idp/atrium/internal/model"
)

// Client settings shared by the client commands (apply, get, delete).
const (
	envURL     = "ATRIUM_URL"
	envToken   = "ATRIUM_TOKEN"
	defaultURL = "http://127.0.0.1:7780"
)

// client talks to a running Atrium server's public API. Every request
// carries X-Atrium-Origin: CLI, so the server records changes as made from
// the CLI, and the token as a bearer credential when one is set.
type client struct {
	base  *url.URL
	token string
	http  *http.Client

	// tokenExpires is when a token from `atrium login` expires (zero for
	// ATRIUM_TOKEN), to explain a 401.
	tokenExpires time.Time
	// clientID and clientSecret (ATRIUM_CLIENT_ID/SECRET) are exchanged for
	// a token before the first request.
	clientID, clientSecret string
	exchange               sync.Once
	exchangeErr            error
}

// serverURLFromEnv is ATRIUM_URL or the default local server.
func serverURLFromEnv() string {
	if raw := os.Getenv(envURL); raw != "" {
		return raw
	}
	return defaultURL
}

// newClientFromEnv builds a client for ATRIUM_URL. Its credential is, first
// found: ATRIUM_TOKEN; ATRIUM_CLIENT_ID + ATRIUM_CLIENT_SECRET (exchanged
// for a token, for CI); the token `atrium login` stored for that URL.
func newClientFromEnv() (*client, error) {
	raw := serverURLFromEnv()
	c, err := newClient(raw, os.Getenv(envToken), nil)
	if err != nil || c.token != "" {
		return c, err
	}
	if id, secret := os.Getenv(envClientID), os.Getenv(envClientSecret); id != "" && secret != "" {
		c.clientID, c.clientSecret = id, secret
		return c, nil
	}
	if st, ok := storedTokenFor(c.base.String()); ok {
		c.token, c.tokenExpires = st.Token, st.ExpiresAt
	}
	return c, nil
}

func newClient(rawURL, token string, hc *http.Client) (*client, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("%s=%q is not a URL like %s", envURL, rawURL, defaultURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	return &client{base: u, token: token, http: hc}, nil
}

// apiError is the server's error envelope (DESIGN §7).
type apiError struct {
	Status  int            `json:"-"`
	Code    string         `json:"error"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

func (e *apiError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	var fields []string
	if list, ok := e.Details["fields"].([]any); ok {
		for _, f := range list {
			if m, ok := f.(map[string]any); ok {
				field, _ := m["field"].(string)
				reason, _ := m["reason"].(string)
				if field != "" && !strings.Contains(msg, field) {
					fields = append(fields, field+": "+reason)
				}
			}
		}
	}
	if len(fields) > 0 {
		msg += " (" + strings.Join(fields, "; ") + ")"
	}
	if e.Code != "" {
		return fmt.Sprintf("%s [%d %s]", msg, e.Status, e.Code)
	}
	return fmt.Sprintf("%s [%d]", msg, e.Status)
}

func isNotFound(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// do sends one authenticated request; body, when not nil, is sent as JSON. A
// 2xx answer is decoded into out (when not nil) and its status returned;
// anything else becomes an *apiError carrying the server's message.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body, out any) (int, error) {
	if c.clientID != "" {
		c.exchange.Do(func() {
			var tok *tokenAnswer
			if tok, c.exchangeErr = c.accessToken(ctx, c.clientID, c.clientSecret); c.exchangeErr == nil {
				c.token = tok.AccessToken
			}
		})
		if c.exchangeErr != nil {
			return 0, fmt.Errorf("exchange %s for a token: %w", envClientID, c.exchangeErr)
		}
	}
	return c.send(ctx, method, path, query, body, out, true)
}

// send is do without the credential exchange; auth says whether to send the
// token.
func (c *client) send(ctx context.Context, method, path string, query url.Values, body, out any, auth bool) (int, error) {
	target := c.base.String() + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Atrium-Origin", model.OriginCLI)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth && c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w (is the server running? set %s)", method, path, err, envURL)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(data, ae) != nil || ae.Message == "" {
			ae.Message = strings.TrimSpace(string(data))
			if len(ae.Message) > 300 {
				ae.Message = ae.Message[:300] + "…"
			}
		}
		if resp.StatusCode == http.StatusUnauthorized && auth {
			ae.Message += c.loginHint()
		}
		return resp.StatusCode, ae
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// loginHint says how to fix a 401.
func (c *client) loginHint() string {
	switch {
	case !c.tokenExpires.IsZero() && time.Now().After(c.tokenExpires):
		return fmt.Sprintf(" (the token stored by atrium login expired at %s: run atrium login again)",
			c.tokenExpires.Format(time.RFC3339))
	case c.token == "":
		return fmt.Sprintf(" (run atrium login, or set %s, or %s and %s)", envToken, envClientID, envClientSecret)
	}
	return ""
}

// pathOf joins URL path segments, escaping each (identifiers may hold '/').
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// ---- typed calls ----

func (c *client) blueprintList(ctx context.Context) ([]*model.Blueprint, error) {
	var out struct {
		Blueprints []*model.Blueprint `json:"blueprints"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/blueprints", nil, nil, &out)
	return out.Blueprints, err
}

func (c *client) blueprintGet(ctx context.Context, id string) (*model.Blueprint, error) {
	var out struct {
		Blueprint *model.Blueprint `json:"blueprint"`
	}
	_, err := c.do(ctx, http.MethodGet, pathOf("v1", "blueprints", id), nil, nil, &out)
	return out.Blueprint, err
}

func (c *client) blueprintCreate(ctx context.Context, bp *model.Blueprint) error {
	_, err := c.do(ctx, http.MethodPost, "/v1/blueprints", nil, blueprintBody(bp), nil)
	return err
}

func (c *client) blueprintReplace(ctx context.Context, bp *model.Blueprint) error {
	_, err := c.do(ctx, http.MethodPut, pathOf("v1", "blueprints", bp.Identifier), nil, blueprintBody(bp), nil)
	return err
}

// blueprintBody is bp as a request body: model.Blueprint without the
// server-set meta fields, which a client must not send.
func blueprintBody(bp *model.Blueprint) map[string]any {
	b, _ := json.Marshal(bp)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"createdAt", "createdBy", "updatedAt", "updatedBy"} {
		delete(m, k)
	}
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
	return m
}

// entityListAll pages through every entity of bp with the next cursor.
func (c *client) entityListAll(ctx context.Context, bp string) ([]*model.Entity, error) {
	var all []*model.Entity
	from := ""
	for {
		q := url.Values{"limit": {"1000"}}
		if from != "" {
			q.Set("from", from)
		}
		var out struct {
			Entities []*model.Entity `json:"entities"`
			Next     string          `json:"next"`
		}
		if _, err := c.do(ctx, http.MethodGet, pathOf("v1", "blueprints", bp, "entities"), q, nil, &out); err != nil {
			return nil, err
		}
		all = append(all, out.Entities...)
		if out.Next == "" || out.Next == from {
			return all, nil
		}
		from = out.Next
	}
}

func (c *client) entityGet(ctx context.Context, bp, id string) (*model.Entity, error) {
	var out struct {
		Entity *model.Entity `json:"entity"`
	}
	_, err := c.do(ctx, http.MethodGet, pathOf("v1", "blueprints", bp, "entities", id), nil, nil, &out)
	return out.Entity, err
}

func (c *client) entityDelete(ctx context.Context, bp, id string, deleteDependents bool) error {
	q := url.Values{}
	if deleteDependents {
		q.Set("delete_dependents", "true")
	}
	_, err := c.do(ctx, http.MethodDelete, pathOf("v1", "blueprints", bp, "entities", id), q, nil, nil)
	return err
}

// bulkResult is the answer of POST .../entities/bulk: 200 when every entity
// was written, 207 with the refused ones in errors otherwise.
type bulkResult struct {
	OK       bool `json:"ok"`
	Entities []struct {
		Index      int    `json:"index"`
		Identifier string `json:"identifier"`
		Created    bool   `json:"created"`
	} `json:"entities"`
	Errors []struct {
		Index      int            `json:"index"`
		Identifier string         `json:"identifier"`
		StatusCode int            `json:"statusCode"`
		Error      string         `json:"error"`
		Message    string         `json:"message"`
		Details    map[string]any `json:"details"`
	} `json:"errors"`
}

func (c *client) entityBulkUpsert(ctx context.Context, bp string, bodies []map[string]any) (*bulkResult, error) {
	var out bulkResult
	q := url.Values{"upsert": {"true"}}
	_, err := c.do(ctx, http.MethodPost, pathOf("v1", "blueprints", bp, "entities", "bulk"), q,
		map[string]any{"entities": bodies}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
