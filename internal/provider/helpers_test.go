package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// api sends one request to the emulator as an out-of-band client would
// (another tool, a colleague in the UI) and decodes a JSON answer into out.
// path is sent as given: build script paths with scriptsCollection, and
// create bodies with scriptCreateBody.
func (s *testServer) api(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encoding body: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("building request: %v", err)
	}
	req.Header.Set("Authorization", "Token "+s.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// scriptsCollection is the scripts collection of the generation under
// test: /api/v2/functions in the functions-only run, else /api/v2/scripts.
func scriptsCollection() string {
	if functionsOnly() {
		return "/api/v2/functions"
	}
	return "/api/v2/scripts"
}

// scriptsRoute is the emulator's statistics key of a scripts route in the
// generation under test; rest follows the collection ("", "/{id}",
// "/{id}/params", "/{id}/invoke").
func scriptsRoute(method, rest string) string {
	return method + " " + scriptsCollection() + rest
}

// scriptCreateBody completes a create body for the generation under test:
// the functions generation requires orgID and description in the body.
func (s *testServer) scriptCreateBody(body map[string]any) map[string]any {
	if functionsOnly() {
		body["orgID"] = s.OrgID
		if _, ok := body["description"]; !ok {
			body["description"] = ""
		}
	}
	return body
}

// createOutOfBand makes a script directly on the server and returns its id.
func (s *testServer) createOutOfBand(t *testing.T, name, script string) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	status := s.api(t, http.MethodPost, scriptsCollection(), s.scriptCreateBody(map[string]any{
		"name": name, "description": "made outside Terraform", "script": script, "language": "flux",
	}), &out)
	if status != http.StatusCreated || out.ID == "" {
		t.Fatalf("out-of-band create of %q: HTTP %d, id %q", name, status, out.ID)
	}
	s.deleteOnCloud(t, out.ID)
	return out.ID
}

// deleteOnCloud removes a script made outside Terraform when the test ends,
// on a real account (an emulator is thrown away with its scripts).
func (s *testServer) deleteOnCloud(t *testing.T, id string) {
	t.Helper()
	if !s.onCloud() || id == "" {
		return // the emulator is thrown away with its scripts
	}
	t.Cleanup(func() { s.api(t, http.MethodDelete, scriptsCollection()+"/"+id, nil, nil) })
}

// frontURL starts a fake server in front of the emulator for the test and
// returns the provider setting that points at it: h answers what it wants to
// fake and passes the rest on with s.ServeHTTP.
func (s *testServer) frontURL(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	front := httptest.NewServer(h)
	t.Cleanup(front.Close)
	return fmt.Sprintf("url = %q", front.URL)
}

// serverCheck is a state check that asserts something about the emulator.
type serverCheck func() error

func (c serverCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if err := c(); err != nil {
		resp.Error = err
	}
}

// expectRequests asserts exact request counts, keyed "METHOD ROUTE".
func (s *testServer) expectRequests(want map[string]int) serverCheck {
	return func() error {
		if s.onCloud() {
			s.skipOnCloud(fmt.Sprintf("request counts %v", want))
			return nil
		}
		var problems []string
		for key, n := range want {
			if got := s.requests(key); got != n {
				problems = append(problems, fmt.Sprintf("%s: got %d requests, want %d", key, got, n))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("request discipline: %s (all: %v)", strings.Join(problems, "; "), s.Stats())
		}
		return nil
	}
}

// expectRequestsFunc is expectRequests for legacy Check slots (RefreshState
// steps run Check right after the refresh and before their plan).
func (s *testServer) expectRequestsFunc(want map[string]int) func(*terraform.State) error {
	check := s.expectRequests(want)
	return func(*terraform.State) error { return check() }
}

// expectDetectionAtMostOnce asserts that API generation detection (a list
// with limit=1 per generation tried) ran at most once per provider process:
// steps that run one command may list each collection at most once.
func (s *testServer) expectDetectionAtMostOnce() func(*terraform.State) error {
	return func(*terraform.State) error {
		if s.onCloud() {
			s.skipOnCloud("generation detection at most once")
			return nil
		}
		st := s.Stats()
		if st["GET /api/v2/scripts"] > 1 || st["GET /api/v2/functions"] > 1 {
			return fmt.Errorf("generation detection ran more than once: %v", st)
		}
		return nil
	}
}

// expectScriptCount asserts how many scripts the organization holds.
func (s *testServer) expectScriptCount(orgID string, n int) serverCheck {
	return func() error {
		if s.onCloud() {
			s.skipOnCloud(fmt.Sprintf("organization %s holds %d scripts", orgID, n))
			return nil
		}
		if got := s.ScriptCount(orgID); got != n {
			return fmt.Errorf("organization %s holds %d scripts, want %d (names %v)", orgID, got, n, s.ScriptNames(orgID))
		}
		return nil
	}
}

// expectNoRequests fails t when the emulator saw any request since its
// stats were last reset. It is called after resource.Test returns: a
// TestCase's CheckDestroy runs only when the state holds something, which
// steps that fail at plan time never leave.
func (s *testServer) expectNoRequests(t *testing.T, what string) {
	t.Helper()
	if s.onCloud() {
		s.skipOnCloud(what + " makes no request")
		return
	}
	total := 0
	for _, n := range s.Stats() {
		total += n
	}
	if total != 0 {
		t.Errorf("%s reached the server: %d requests (%v)", what, total, s.Stats())
	}
}

// stateAttr reads one attribute of a resource from legacy state.
func stateAttr(st *terraform.State, addr, attr string) (string, error) {
	rs, ok := st.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s not in state", addr)
	}
	return rs.Primary.Attributes[attr], nil
}
