package influxdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// API names a generation of the invocable scripts API.
type API string

const (
	// APIAuto detects the generation with one list request, once per client.
	APIAuto API = "auto"
	// APIScripts is /api/v2/scripts, what InfluxDB Cloud serves today.
	APIScripts API = "scripts"
	// APIFunctions is /api/v2/functions, the generation of the original guide.
	APIFunctions API = "functions"
)

// Capabilities is what the layers above need to know about a generation,
// without knowing which one it is.
type Capabilities struct {
	API       API
	Params    bool     // GET .../params exists
	Languages []string // what create accepts
}

// generation holds the wire differences between the two APIs.
type generation struct {
	caps         Capabilities
	collection   string // path of the collection, relative to the base URL
	listKey      string // key of the array in a list answer
	orgInCreate  bool   // create body carries orgID
	orgInQuery   bool   // list needs orgID or org
	nameFilter   bool   // list understands ?name=
	invokeAccept string
}

func (g generation) item(id string) string { return g.collection + "/" + url.PathEscape(id) }

var generations = map[API]generation{
	APIScripts: {
		caps:         Capabilities{API: APIScripts, Params: true, Languages: []string{"flux", "sql", "influxql"}},
		collection:   "api/v2/scripts",
		listKey:      "scripts",
		nameFilter:   true,
		invokeAccept: "text/csv, application/csv",
	},
	APIFunctions: {
		caps:        Capabilities{API: APIFunctions, Languages: []string{"flux", "python"}},
		collection:  "api/v2/functions",
		listKey:     "functions",
		orgInCreate: true,
		orgInQuery:  true,
		// The functions contract (managed-functions.yml) documents only
		// application/json for both invoke operations, so JSON is asked for
		// first; the guide of that generation has clients send
		// Accept: application/csv and get CSV, so CSV is admitted too, as
		// application/csv and as the text/csv the scripts generation sends.
		invokeAccept: functionsInvokeAccept,
	},
}

// functionsInvokeAccept is the Accept header of an invoke on the functions
// generation: the contract's JSON preferred, CSV admitted.
const functionsInvokeAccept = "application/json, application/csv;q=0.9, text/csv;q=0.9"

// AllLanguages is every language some generation accepts.
var AllLanguages = []string{"flux", "sql", "influxql", "python"}

// Capabilities reports what the server's generation can do, detecting it
// first if needed. orgID helps detection on functions-only servers.
func (c *Client) Capabilities(ctx context.Context, orgID string) (Capabilities, error) {
	g, err := c.generation(ctx, orgID)
	if err != nil {
		return Capabilities{}, err
	}
	caps := g.caps
	caps.Languages = slices.Clone(caps.Languages) // callers must not edit the shared table
	return caps, nil
}

// generation returns the configured generation, or detects it: one list
// request with limit=1 to /api/v2/scripts, and only if that path is absent a
// second one to /api/v2/functions. The answer is cached for the client's
// life; a failure is not, so a later call tries again. (Detection that
// learns the generation but finds the organization unknown keeps the
// generation and reports the organization.)
func (c *Client) generation(ctx context.Context, orgID string) (generation, error) {
	c.detectMu.Lock()
	defer c.detectMu.Unlock()
	if c.detected != "" {
		return generations[c.detected], nil
	}
	api, err := c.detect(ctx, orgID)
	if api != "" {
		c.detected = api
		c.debug(ctx, "detected InfluxDB scripts API generation", map[string]any{"scripts_api": string(api)})
	}
	if err != nil {
		return generation{}, err
	}
	return generations[api], nil
}

func (c *Client) detect(ctx context.Context, orgID string) (API, error) {
	err := c.probe(ctx, "api/v2/scripts", "scripts", url.Values{"limit": {"1"}})
	if err == nil {
		return APIScripts, nil
	}
	if !routeAbsent(err) {
		return "", err
	}
	q := url.Values{"limit": {"1"}}
	if orgID != "" {
		q.Set("orgID", orgID)
	}
	err2 := c.probe(ctx, "api/v2/functions", "functions", q)
	switch {
	case err2 == nil:
		if orgID != "" {
			c.orgSeen(orgID) // the list of that organization was served
		}
		return APIFunctions, nil
	case hasStatus(err2, http.StatusBadRequest):
		// The route exists and only wants an organization (or another one).
		return APIFunctions, nil
	case !routeAbsent(err2):
		return "", err2
	case orgID == "" || !hasStatus(err2, http.StatusNotFound):
		return "", noScriptsAPI(err, err2)
	}
	// A 404 for a list that names an organization may mean the organization,
	// not the path, is unknown. The same list without it tells them apart;
	// this costs a request only on the way to an error.
	err3 := c.probe(ctx, "api/v2/functions", "functions", url.Values{"limit": {"1"}})
	switch {
	case err3 == nil || hasStatus(err3, http.StatusBadRequest):
		return APIFunctions, fmt.Errorf("%w: /api/v2/functions is served, but not for organization %s: no organization with that ID is visible to this token (%v)", ErrOrgNotFound, orgID, err2)
	case routeAbsent(err3):
		return "", noScriptsAPI(err, err2)
	default:
		return "", err3
	}
}

func noScriptsAPI(scriptsErr, functionsErr error) error {
	return fmt.Errorf("%w: this server serves neither /api/v2/scripts (%v) nor /api/v2/functions (%v); invocable scripts exist only in InfluxDB Cloud: check the url setting", ErrNoScriptsAPI, scriptsErr, functionsErr)
}

// errNotTheAPI marks a probe answer that is a success but not the scripts
// API (a proxy's catch-all page, some other JSON): the path is not served.
var errNotTheAPI = errors.New("the answer is not the scripts API")

// probe lists at most one script and checks that the answer has the
// generation's list key, so an HTML catch-all page is not taken for the API.
func (c *Client) probe(ctx context.Context, path, key string, q url.Values) error {
	op := "detect scripts API at /" + path
	page := map[string]json.RawMessage{}
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: path, query: q}, &page); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			return fmt.Errorf("%s: %w: %v", op, errNotTheAPI, de.Err)
		}
		return err
	}
	if _, ok := page[key]; !ok {
		return fmt.Errorf("%s: %w: the answer has no %q list", op, errNotTheAPI, key)
	}
	return nil
}

// routeAbsent is a 404 or 405 on a list request, or an answer that is not
// the API: the path is not served. (A 404 for an unknown script id never
// reaches here: detection lists.)
func routeAbsent(err error) bool {
	return errors.Is(err, errNotTheAPI) || hasStatus(err, http.StatusNotFound) || hasStatus(err, http.StatusMethodNotAllowed)
}

// Org is an InfluxDB organization.
type Org struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// listOrgs lists the organizations that match q and that the token can see.
// An answer that says there is no such organization, 404 or the 400 InfluxDB
// Cloud gives for an organization that does not own the token, is
// ErrOrgNotFound.
func (c *Client) listOrgs(ctx context.Context, op string, q url.Values) ([]Org, error) {
	var out struct {
		Orgs []Org `json:"orgs"`
	}
	err := c.do(ctx, &request{op: op, method: http.MethodGet, path: "api/v2/orgs", query: q}, &out)
	if hasStatus(err, http.StatusNotFound) || hasStatus(err, http.StatusBadRequest) {
		return nil, fmt.Errorf("%w: %v", ErrOrgNotFound, err)
	}
	return out.Orgs, err
}

// LookupOrgID resolves an organization name to its ID. A name the token
// cannot see is an error for which errors.Is(err, ErrOrgNotFound) holds.
func (c *Client) LookupOrgID(ctx context.Context, name string) (string, error) {
	op := fmt.Sprintf("look up organization %q", name)
	orgs, err := c.listOrgs(ctx, op, url.Values{"org": {name}})
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if o.Name == name && o.ID != "" {
			c.orgSeen(o.ID)
			return o.ID, nil
		}
	}
	return "", fmt.Errorf("%w: %s: no organization with that name is visible to this token", ErrOrgNotFound, op)
}

// CheckOrg confirms that the token can see the organization with ID orgID,
// so that a configuration naming another organization fails before anything
// is written. It asks GET /api/v2/orgs?orgID= at most once per organization
// for the client's life: a confirmation is kept (as is one that detection
// or LookupOrgID already gave), a failure is not. An organization the token
// cannot see is an error for which errors.Is(err, ErrOrgNotFound) holds;
// other failures (a token not allowed to read organizations gets 401) are
// returned as they are.
func (c *Client) CheckOrg(ctx context.Context, orgID string) error {
	if orgID == "" {
		return errors.New("check organization: empty organization ID")
	}
	c.orgMu.Lock()
	defer c.orgMu.Unlock()
	if c.orgsSeen[orgID] {
		return nil
	}
	op := "check organization " + orgID
	orgs, err := c.listOrgs(ctx, op, url.Values{"orgID": {orgID}})
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if o.ID == orgID {
			c.orgsSeen[orgID] = true
			return nil
		}
	}
	return fmt.Errorf("%w: %s: no organization with that ID is visible to this token", ErrOrgNotFound, op)
}

// orgSeen records that the token can see the organization orgID.
func (c *Client) orgSeen(orgID string) {
	c.orgMu.Lock()
	defer c.orgMu.Unlock()
	c.orgsSeen[orgID] = true
}
