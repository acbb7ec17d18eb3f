package influxdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Script is an invocable script as the server reports it. Timestamps are kept
// as the server's strings so that what Terraform stores is exactly what the
// API said.
type Script struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	OrgID       string `json:"orgID"`
	Script      string `json:"script"`
	Language    string `json:"language"`
	URL         string `json:"url,omitempty"`
	CreatedAt   string `json:"createdAt"`
	UpdatedAt   string `json:"updatedAt"`
}

// ScriptCreate is what a new script is made of. OrgID is sent only to the
// functions generation, which requires it; the scripts generation takes the
// organization from the token.
type ScriptCreate struct {
	Name        string
	Description string
	Script      string
	Language    string
	OrgID       string
}

// ScriptUpdate lists the fields to change; nil fields are left alone.
type ScriptUpdate struct {
	Description *string
	Script      *string
}

// ListOptions narrows a list. OrgID is required by the functions
// generation; the scripts generation lists the token's organization.
type ListOptions struct {
	OrgID  string
	Name   string // exact name filter
	Limit  int    // page size; 0 means the server's default
	Offset int
}

// MaxPageSize is the largest page the scripts API serves.
const MaxPageSize = 500

// ErrParamsUnsupported is returned by Params on the functions generation,
// which has no /params endpoint.
var ErrParamsUnsupported = errors.New("this InfluxDB API generation cannot report script parameters")

// listPage returns one page as the server sent it (not filtered by name
// here, so that callers can tell a short page, the end of the list, from a
// page that filtering shortened).
func (c *Client) listPage(ctx context.Context, g generation, opts ListOptions) ([]Script, error) {
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Offset > 0 {
		q.Set("offset", strconv.Itoa(opts.Offset))
	}
	if opts.Name != "" && g.nameFilter {
		q.Set("name", opts.Name)
	}
	if g.orgInQuery {
		if opts.OrgID == "" {
			return nil, errors.New("list scripts: the functions API needs an organization ID")
		}
		q.Set("orgID", opts.OrgID)
	}
	page := map[string]json.RawMessage{}
	if err := c.do(ctx, &request{op: "list scripts", method: http.MethodGet, path: g.collection, query: q}, &page); err != nil {
		return nil, err
	}
	raw, ok := page[g.listKey]
	if !ok {
		return nil, &DecodeError{Op: "list scripts", StatusCode: http.StatusOK, Err: fmt.Errorf("no %q key in the answer", g.listKey)}
	}
	var scripts []Script
	if err := json.Unmarshal(raw, &scripts); err != nil {
		return nil, &DecodeError{Op: "list scripts", StatusCode: http.StatusOK, Err: err}
	}
	for i := range scripts {
		if err := scripts[i].check(); err != nil {
			return nil, &DecodeError{Op: "list scripts", StatusCode: http.StatusOK, Err: err}
		}
	}
	return scripts, nil
}

// ListAll returns every script that matches opts, in the server's order,
// paging with the largest page size until a short page. max > 0 stops after
// that many scripts. Scripts that shift between pages (because another client
// created or deleted one meanwhile) are reported once.
func (c *Client) ListAll(ctx context.Context, opts ListOptions, maxScripts int) ([]Script, error) {
	g, err := c.generation(ctx, opts.OrgID)
	if err != nil {
		return nil, err
	}
	// Without a server-side name filter the pages hold every script and the
	// name is matched here, after the page length has been judged.
	localFilter := opts.Name != "" && !g.nameFilter
	var all []Script
	seen := map[string]bool{}
	offset := opts.Offset
	for {
		pageSize := MaxPageSize
		if maxScripts > 0 && !localFilter && maxScripts-len(all) < pageSize {
			pageSize = maxScripts - len(all)
		}
		page := opts
		page.Limit, page.Offset = pageSize, offset
		scripts, err := c.listPage(ctx, g, page)
		if err != nil {
			return nil, err
		}
		added := 0
		for _, s := range scripts {
			if seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			added++
			if !localFilter || s.Name == opts.Name {
				all = append(all, s)
			}
		}
		if len(scripts) < pageSize || (maxScripts > 0 && len(all) >= maxScripts) {
			break
		}
		if added == 0 {
			return nil, fmt.Errorf("list scripts: the server returned the same page twice at offset %d; it may not support paging", offset)
		}
		offset += len(scripts)
	}
	if maxScripts > 0 && len(all) > maxScripts {
		all = all[:maxScripts]
	}
	return all, nil
}

// FindByName returns the scripts whose name is exactly name. The server's
// name filter narrows the list; the exact comparison is ours.
func (c *Client) FindByName(ctx context.Context, opts ListOptions) ([]Script, error) {
	if opts.Name == "" {
		return nil, errors.New("find script: empty name")
	}
	all, err := c.ListAll(ctx, opts, 0)
	if err != nil {
		return nil, err
	}
	return filterByName(all, opts.Name), nil
}

func filterByName(scripts []Script, name string) []Script {
	var out []Script
	for _, s := range scripts {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Get returns one script. A missing script is an *APIError for which
// IsNotFound is true.
func (c *Client) Get(ctx context.Context, id string) (*Script, error) {
	g, err := c.generation(ctx, "")
	if err != nil {
		return nil, err
	}
	return c.get(ctx, g, id)
}

// checkID refuses ids that would not name one script in a URL path.
func checkID(op, id string) error {
	switch id {
	case "":
		return fmt.Errorf("%s: empty script id", op)
	case ".", "..":
		return fmt.Errorf("%s: invalid script id %q", op, id)
	}
	return nil
}

func (c *Client) get(ctx context.Context, g generation, id string) (*Script, error) {
	if err := checkID("get script", id); err != nil {
		return nil, err
	}
	var s Script
	if err := c.do(ctx, &request{op: "read script " + id, method: http.MethodGet, path: g.item(id)}, &s); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, &DecodeError{Op: "read script " + id, StatusCode: http.StatusOK, Err: err}
	}
	return &s, nil
}

type createBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	OrgID       string `json:"orgID,omitempty"`
	Script      string `json:"script"`
	Language    string `json:"language"`
}

// Create makes a script. A create is never sent twice blindly (see
// Client.create): after an ambiguous failure Create looks the name up. An
// identical script is adopted; a different one is an *ExistingScriptError;
// none means the create is sent again, within one budget of max_retries + 1
// POST attempts.
func (c *Client) Create(ctx context.Context, in ScriptCreate) (*Script, error) {
	g, err := c.generation(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	body := createBody{Name: in.Name, Description: in.Description, Script: in.Script, Language: in.Language}
	if g.orgInCreate {
		if in.OrgID == "" {
			return nil, errors.New("create script: the functions API needs an organization ID")
		}
		body.OrgID = in.OrgID
	}
	op := fmt.Sprintf("create script %q", in.Name)
	var out Script
	err = c.create(ctx, createOp{
		op: op, name: in.Name,
		post: func(ctx context.Context, b *budget) error {
			var s Script
			if err := c.do(ctx, &request{op: op, method: http.MethodPost, path: g.collection, body: body, policy: retryNotActed, budget: b}, &s); err != nil {
				return err
			}
			if err := s.check(); err != nil {
				return &DecodeError{Op: op, StatusCode: http.StatusCreated, Err: err}
			}
			out = s
			return nil
		},
		lookup: func(ctx context.Context) (lookupResult, error) {
			found, err := c.FindByName(ctx, ListOptions{OrgID: in.OrgID, Name: in.Name})
			if err != nil {
				return lookupNone, err
			}
			for _, s := range found {
				if s.Script == in.Script && s.Language == in.Language && s.Description == in.Description {
					c.debug(ctx, "adopting the script the failed create made", map[string]any{"id": s.ID})
					out = s
					return lookupAdopted, nil
				}
			}
			if len(found) > 0 {
				return lookupTaken, &ExistingScriptError{Name: found[0].Name, OrgID: found[0].OrgID, ID: found[0].ID}
			}
			return lookupNone, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type updateBody struct {
	Description *string `json:"description,omitempty"`
	Script      *string `json:"script,omitempty"`
}

// Update changes the given fields with one PATCH and returns the script as
// the server now has it.
func (c *Client) Update(ctx context.Context, id string, in ScriptUpdate) (*Script, error) {
	if err := checkID("update script", id); err != nil {
		return nil, err
	}
	g, err := c.generation(ctx, "")
	if err != nil {
		return nil, err
	}
	op := "update script " + id
	var s Script
	body := updateBody(in)
	if err := c.do(ctx, &request{op: op, method: http.MethodPatch, path: g.item(id), body: body}, &s); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, &DecodeError{Op: op, StatusCode: http.StatusOK, Err: err}
	}
	return &s, nil
}

// Delete removes a script and confirms it is gone: the API answers 204 even
// for ids it does not know, so only a following 404 proves the deletion. A
// script that was already gone is not an error.
func (c *Client) Delete(ctx context.Context, id string) error {
	if err := checkID("delete script", id); err != nil {
		return err
	}
	g, err := c.generation(ctx, "")
	if err != nil {
		return err
	}
	op := "delete script " + id
	if err := c.do(ctx, &request{op: op, method: http.MethodDelete, path: g.item(id)}, nil); err != nil && !IsNotFound(err) {
		return err
	}
	// The contract says a deleted script is "queued" for deletion, so a
	// script still present right after the DELETE is looked at again a few
	// times, with short waits, before that is called a failure.
	wait := c.retryWaitMin / 2
	for attempt := 1; ; attempt++ {
		_, err = c.get(ctx, g, id)
		switch {
		case IsNotFound(err):
			return nil
		case err != nil:
			return fmt.Errorf("%s: confirming the deletion: %w", op, err)
		case attempt >= confirmDeleteAttempts:
			return fmt.Errorf("%s: the server answered the DELETE but still had the script after %d checks; it may be queued for deletion, or the token may lack write permission", op, attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: confirming the deletion: %w", op, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// confirmDeleteAttempts bounds the reads that confirm a deletion; they wait
// half the minimum retry wait at first, doubling (about 4 s in all with the
// defaults), in the rare case the server is still busy.
const confirmDeleteAttempts = 5

// Params returns the parameters the stored script references, name → type
// (any, bool, duration, float, int, string, time, uint).
func (c *Client) Params(ctx context.Context, id string) (map[string]string, error) {
	if err := checkID("read parameters", id); err != nil {
		return nil, err
	}
	g, err := c.generation(ctx, "")
	if err != nil {
		return nil, err
	}
	if !g.caps.Params {
		return nil, ErrParamsUnsupported
	}
	var out struct {
		Params map[string]string `json:"params"`
	}
	op := "read parameters of script " + id
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: g.item(id) + "/params"}, &out); err != nil {
		return nil, err
	}
	if out.Params == nil {
		out.Params = map[string]string{}
	}
	return out.Params, nil
}

// InvokeResult is a script's answer. The caller must close Body.
type InvokeResult struct {
	Body        io.ReadCloser
	ContentType string
}

// Invoke runs a script with params. It is retried only when the server
// certainly did not run it (429, refused connection), because a script may
// have side effects.
func (c *Client) Invoke(ctx context.Context, id string, params map[string]any) (*InvokeResult, error) {
	if err := checkID("invoke script", id); err != nil {
		return nil, err
	}
	g, err := c.generation(ctx, "")
	if err != nil {
		return nil, err
	}
	if params == nil {
		params = map[string]any{}
	}
	body := struct {
		Params map[string]any `json:"params"`
	}{params}
	resp, _, err := c.send(ctx, &request{
		op: "invoke script " + id, method: http.MethodPost, path: g.item(id) + "/invoke",
		body: body, accept: g.invokeAccept, policy: retryRateLimitOnly,
	})
	if err != nil {
		return nil, err
	}
	return &InvokeResult{Body: resp.Body, ContentType: resp.Header.Get("Content-Type")}, nil
}

// check rejects answers that lack what every script has.
func (s *Script) check() error {
	if s.ID == "" {
		return errors.New("script has no id")
	}
	if s.Name == "" {
		return fmt.Errorf("script %s has no name", s.ID)
	}
	return nil
}
