package influxdb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// listsAndGets counts the list requests and the single-script GETs the fake
// server has seen.
func listsAndGets(fs *fakeServer) (lists, gets int) {
	for _, r := range fs.requests() {
		switch {
		case r.Method != http.MethodGet:
		case r.Path == fs.collection():
			lists++
		default:
			gets++
		}
	}
	return lists, gets
}

func batchedClient(t *testing.T, fs *fakeServer, opts ...Option) *Client {
	t.Helper()
	return newTestClient(t, fs.URL(), append([]Option{WithAPI(fs.api), WithBatchReads(true)}, opts...)...)
}

// readAll reads ids one after another and checks each answer against the
// server's copy.
func readAll(t *testing.T, c *Client, fs *fakeServer, orgID string, ids []string) {
	t.Helper()
	want := map[string]Script{}
	for _, s := range fs.snapshot() {
		want[s.ID] = s
	}
	for _, id := range ids {
		got, err := c.Read(context.Background(), id, orgID)
		if err != nil {
			t.Fatalf("Read(%s) = %v", id, err)
		}
		if *got != want[id] {
			t.Fatalf("Read(%s) = %+v, want %+v", id, *got, want[id])
		}
	}
}

func ids(scripts []Script) []string {
	out := make([]string, len(scripts))
	for i, s := range scripts {
		out[i] = s.ID
	}
	return out
}

func TestReadAloneIsOneGet(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 3)
	c := batchedClient(t, fs)
	readAll(t, c, fs, testOrgID, ids(fs.snapshot())[:1])
	if lists, gets := listsAndGets(fs); lists != 0 || gets != 1 {
		t.Fatalf("one read cost %d lists and %d GETs, want 0 and 1", lists, gets)
	}
}

// A burst of reads of every script of an organization costs the first
// read's GET and then one request per page: 1,200 scripts are three pages.
// (Reads in the server's order: each page serves reads before the next is
// needed. Reads of later pages first are bounded, not batched, below.)
func TestReadBurstCostsThePages(t *testing.T) {
	t.Parallel()
	for _, api := range []API{APIScripts, APIFunctions} {
		t.Run(string(api), func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, api)
			fs.addN("s", 1200)
			c := batchedClient(t, fs)
			readAll(t, c, fs, testOrgID, ids(fs.snapshot()))
			if lists, gets := listsAndGets(fs); lists != 3 || gets != 1 {
				t.Fatalf("reading 1,200 scripts cost %d lists and %d GETs, want 3 and 1", lists, gets)
			}
			for _, r := range fs.requests() {
				if r.Path == fs.collection() && r.Query.Get("limit") != "500" {
					t.Errorf("page asked with limit %q, want 500", r.Query.Get("limit"))
				}
				if api == APIFunctions && r.Path == fs.collection() && r.Query.Get("orgID") != testOrgID {
					t.Errorf("functions list without the organization: %v", r.Query)
				}
			}
		})
	}
}

// Concurrent reads, as Terraform sends them: every answer is the server's,
// and the requests stay far below one per script.
func TestReadBurstConcurrent(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 1200)
	c := batchedClient(t, fs)
	all := ids(fs.snapshot())
	want := map[string]Script{}
	for _, s := range fs.snapshot() {
		want[s.ID] = s
	}
	work := make(chan string)
	var wg sync.WaitGroup
	errs := make(chan error, len(all))
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				got, err := c.Read(context.Background(), id, testOrgID)
				switch {
				case err != nil:
					errs <- err
				case *got != want[id]:
					errs <- fmt.Errorf("Read(%s) = %+v, want %+v", id, *got, want[id])
				}
			}
		}()
	}
	for _, id := range all {
		work <- id
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The pages each read may wait for bound the GETs: at most the burst's
	// first read and, for each page, the ten reads in flight.
	if lists, gets := listsAndGets(fs); lists > 3 || gets > 1+10*maxWaitPages*3 {
		t.Fatalf("1,200 concurrent reads cost %d lists and %d GETs", lists, gets)
	}
}

// A script deleted by another client is absent from the pages; it is
// reported gone only after its own GET says 404.
func TestReadAbsentIsConfirmedByGet(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 5)
	gone := fs.add(Script{Name: "gone", Script: "x"})
	c := batchedClient(t, fs)
	all := ids(fs.snapshot())
	fs.mu.Lock()
	fs.scripts = slices.DeleteFunc(fs.scripts, func(s Script) bool { return s.ID == gone.ID })
	fs.mu.Unlock()
	readAll(t, c, fs, testOrgID, all[1:3]) // a GET, then a complete listing
	before := len(fs.requests())
	_, err := c.Read(context.Background(), gone.ID, testOrgID)
	if !IsNotFound(err) {
		t.Fatalf("Read of a deleted script = %v, want not found", err)
	}
	reqs := fs.requests()[before:]
	if len(reqs) != 1 || reqs[0].Path != fs.collection()+"/"+gone.ID {
		t.Fatalf("the absent script was not confirmed by exactly its own GET: %+v", reqs)
	}
}

// Another client deletes the newest script between two pages: every later
// script moves up by one, so the first of the next page is never listed.
// It is still reported, after its own GET.
func TestReadSkippedByOffsetPaging(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 700)
	c := batchedClient(t, fs)
	all := ids(fs.snapshot())
	skipped := all[500]
	fs.before = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Path == fs.collection() && r.URL.Query().Get("offset") == "500" {
			fs.mu.Lock()
			fs.scripts = fs.scripts[1:] // the newest, already listed on page 1
			fs.mu.Unlock()
		}
		return false
	}
	readAll(t, c, fs, testOrgID, all[1:3])
	readAll(t, c, fs, testOrgID, []string{all[699]}) // page 2: the list is complete
	before := len(fs.requests())
	readAll(t, c, fs, testOrgID, []string{skipped})
	if reqs := fs.requests()[before:]; len(reqs) != 1 || reqs[0].Path != fs.collection()+"/"+skipped {
		t.Fatalf("the skipped script was not read with its own GET: %+v", reqs)
	}
}

// Another client creates a script between two pages: the next page repeats
// the last script of the one before, which is not an error.
func TestReadCreatedBetweenPages(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 700)
	c := batchedClient(t, fs)
	all := ids(fs.snapshot())
	fs.before = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Path == fs.collection() && r.URL.Query().Get("offset") == "500" {
			fs.add(Script{Name: "newcomer", Script: "x"})
		}
		return false
	}
	readAll(t, c, fs, testOrgID, all)
	if lists, gets := listsAndGets(fs); lists != 2 || gets != 1 {
		t.Fatalf("700 reads with a create between pages cost %d lists and %d GETs, want 2 and 1", lists, gets)
	}
}

// Ten scripts at the end of an organization of 20,000: the reads do not
// walk the organization. The first page serves none of them, so the
// listing stops there and each read pays for its own GET.
func TestReadLargeOrganizationFewScripts(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 20000)
	c := batchedClient(t, fs)
	all := ids(fs.snapshot())
	readAll(t, c, fs, testOrgID, all[len(all)-10:])
	if lists, gets := listsAndGets(fs); lists != 1 || gets != 10 {
		t.Fatalf("10 reads in an organization of 20,000 cost %d lists and %d GETs, want 1 and 10", lists, gets)
	}
}

func TestReadSnapshotAgeAndOwnWrites(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 10)
	c := batchedClient(t, fs)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	c.batch.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	all := ids(fs.snapshot())

	readAll(t, c, fs, testOrgID, all[:2]) // GET, then a complete listing
	advance(snapshotMaxAge)
	readAll(t, c, fs, testOrgID, all[2:4]) // still fresh: no request
	if lists, gets := listsAndGets(fs); lists != 1 || gets != 1 {
		t.Fatalf("reads within the snapshot's age cost %d lists and %d GETs, want 1 and 1", lists, gets)
	}
	advance(time.Nanosecond)
	readAll(t, c, fs, testOrgID, all[4:5]) // too old: a new burst, a new listing
	if lists, _ := listsAndGets(fs); lists != 2 {
		t.Fatalf("a read after the snapshot aged did not list again (%d lists)", lists)
	}

	// This client's own update drops the listing, so the next read sees it.
	if _, err := c.Update(context.Background(), all[5], ScriptUpdate{Script: strPtr("changed")}); err != nil {
		t.Fatal(err)
	}
	readAll(t, c, fs, testOrgID, all[5:6])
	if lists, _ := listsAndGets(fs); lists != 3 {
		t.Fatalf("a read after an update did not list again (%d lists)", lists)
	}
	if _, err := c.Create(context.Background(), ScriptCreate{Name: "new", Script: "x", Language: "flux"}); err != nil {
		t.Fatal(err)
	}
	readAll(t, c, fs, testOrgID, ids(fs.snapshot())[:1]) // the new script, from a new listing
}

func TestReadUnbatched(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		api   API
		opts  []Option
		orgID string
	}{
		{"batch reads off", APIScripts, []Option{WithBatchReads(false)}, testOrgID},
		{"functions without an organization", APIFunctions, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, tc.api)
			fs.addN("s", 20)
			c := batchedClient(t, fs, tc.opts...)
			readAll(t, c, fs, tc.orgID, ids(fs.snapshot()))
			if lists, gets := listsAndGets(fs); lists != 0 || gets != 20 {
				t.Fatalf("20 reads cost %d lists and %d GETs, want 0 and 20", lists, gets)
			}
		})
	}
}

func TestReadCanceledWhileWaiting(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 3)
	release := make(chan struct{})
	fs.before = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Path == fs.collection() {
			<-release
		}
		return false
	}
	t.Cleanup(func() { close(release) })
	c := batchedClient(t, fs)
	all := ids(fs.snapshot())
	readAll(t, c, fs, testOrgID, all[:1])
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Read(ctx, all[1], testOrgID)
		done <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a canceled read waiting for a page returned no error")
	}
}

func TestListAllFromSnapshot(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 30)
	c := batchedClient(t, fs)
	all := fs.snapshot()
	ctx := context.Background()

	// Without a listing, ListAll asks the server even when allowed not to.
	if _, err := c.ListAll(ctx, ListOptions{OrgID: testOrgID, FromSnapshot: true}, 0); err != nil {
		t.Fatal(err)
	}
	readAll(t, c, fs, testOrgID, ids(all)[:2])
	before := len(fs.requests())
	got, err := c.ListAll(ctx, ListOptions{OrgID: testOrgID, FromSnapshot: true}, 0)
	if err != nil || !slices.Equal(got, all) {
		t.Fatalf("ListAll from the snapshot = %d scripts, %v; want the server's %d in order", len(got), err, len(all))
	}
	got, _ = c.ListAll(ctx, ListOptions{OrgID: testOrgID, Offset: 3, FromSnapshot: true}, 2)
	if !slices.Equal(got, all[3:5]) {
		t.Errorf("offset 3, at most 2 = %v", ids(got))
	}
	// The scripts generation lists the token's organization whatever the
	// organization asked for, so the listing answers for "" too.
	got, _ = c.ListAll(ctx, ListOptions{FromSnapshot: true}, 1)
	if !slices.Equal(got, all[:1]) {
		t.Errorf("the token's organization, at most 1 = %v", ids(got))
	}
	got, _ = c.FindByName(ctx, ListOptions{OrgID: testOrgID, Name: all[7].Name, FromSnapshot: true})
	if len(got) != 1 || got[0] != all[7] {
		t.Errorf("FindByName from the snapshot = %v", got)
	}
	if n := len(fs.requests()) - before; n != 0 {
		t.Fatalf("answers from the snapshot sent %d requests", n)
	}
	// Without FromSnapshot (a create's lookup) the server is asked.
	if _, err := c.FindByName(ctx, ListOptions{OrgID: testOrgID, Name: all[7].Name}); err != nil {
		t.Fatal(err)
	}
	if n := len(fs.requests()) - before; n != 1 {
		t.Fatalf("a lookup that may not use the snapshot sent %d requests, want 1", n)
	}
}

// Reads of two organizations (the functions generation lists one at a time)
// keep a listing each: neither answers for the other.
func TestReadTwoOrganizations(t *testing.T) {
	t.Parallel()
	const otherOrg = "1111111111111111"
	fs := newFakeServer(t, APIFunctions)
	fs.addN("a", 4)
	fs.add(Script{Name: "b-0", OrgID: otherOrg, Script: "x"}, Script{Name: "b-1", OrgID: otherOrg, Script: "x"})
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.URL.Path != fs.collection() {
			return false
		}
		var page []Script
		for _, s := range fs.snapshot() {
			if s.OrgID == r.URL.Query().Get("orgID") {
				page = append(page, s)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"functions": page})
		return true
	}
	c := batchedClient(t, fs)
	var inA, inB []string
	for _, s := range fs.snapshot() {
		if s.OrgID == otherOrg {
			inB = append(inB, s.ID)
		} else {
			inA = append(inA, s.ID)
		}
	}
	readAll(t, c, fs, testOrgID, inA[:2]) // a GET, then organization A's listing
	readAll(t, c, fs, otherOrg, inB)      // B: its own GET and listing
	readAll(t, c, fs, testOrgID, inA[2:]) // A's listing again
	if lists, gets := listsAndGets(fs); lists != 2 || gets != 2 {
		t.Fatalf("two organizations cost %d lists and %d GETs, want 2 and 2", lists, gets)
	}
	var orgs []string
	for _, r := range fs.requests() {
		if r.Path == fs.collection() {
			orgs = append(orgs, r.Query.Get("orgID"))
		}
	}
	if !slices.Equal(orgs, []string{testOrgID, otherOrg}) {
		t.Fatalf("listed organizations %v", orgs)
	}
	// A script of B asked for as one of A's is absent from A's listing,
	// so its own GET answers.
	before := len(fs.requests())
	readAll(t, c, fs, testOrgID, inB[:1])
	if n := len(fs.requests()) - before; n != 1 {
		t.Fatalf("a script absent from the organization's listing cost %d requests, want its GET", n)
	}
}

// countBy counts the requests with this method, on the collection (list)
// or on one script.
func countBy(fs *fakeServer, method string, collection bool) int {
	n := 0
	for _, r := range fs.requests() {
		if r.Method == method && (r.Path == fs.collection()) == collection {
			n++
		}
	}
	return n
}

// deleteAll deletes ids concurrently and returns the first error.
func deleteAll(c *Client, orgID string, ids []string) error {
	errs := make(chan error, len(ids))
	for _, id := range ids {
		go func() { errs <- c.DeleteInOrg(context.Background(), id, orgID) }()
	}
	var first error
	for range ids {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// holdDeletes makes the fake answer no DELETE before n have arrived, as
// when Terraform sends ten at once to a distant server.
func holdDeletes(fs *fakeServer, n int, next func(http.ResponseWriter, *http.Request) bool) {
	var mu sync.Mutex
	count, all := 0, make(chan struct{})
	fs.before = func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if r.Method == http.MethodDelete {
			mu.Lock()
			if count++; count == n {
				close(all)
			}
			mu.Unlock()
			// Bounded, so a test that fails before n arrive ends instead of
			// holding its server open until the test binary times out.
			select {
			case <-all:
			case <-time.After(30 * time.Second):
			}
		}
		return next != nil && next(w, r)
	}
}

// Ten deletions that finish together are confirmed by one listing, not by
// ten reads.
func TestDeleteTogether(t *testing.T) {
	t.Parallel()
	for _, api := range []API{APIScripts, APIFunctions} {
		t.Run(string(api), func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, api)
			fs.addN("s", 12)
			holdDeletes(fs, 10, nil)
			c := batchedClient(t, fs)
			c.batch.gather = time.Minute // only the last answer sends the listing
			if err := deleteAll(c, testOrgID, ids(fs.snapshot())[:10]); err != nil {
				t.Fatal(err)
			}
			if len(fs.snapshot()) != 2 {
				t.Fatalf("%d scripts left, want 2", len(fs.snapshot()))
			}
			if d, l, g := countBy(fs, http.MethodDelete, false), countBy(fs, http.MethodGet, true), countBy(fs, http.MethodGet, false); d != 10 || l != 1 || g != 0 {
				t.Fatalf("10 deletions cost %d DELETEs, %d lists, %d GETs; want 10, 1, 0", d, l, g)
			}
		})
	}
}

// A deletion the server only queued is still listed: it is confirmed by its
// own reads, as today, never reported done while the script exists.
func TestDeleteTogetherQueued(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 5)
	var mu sync.Mutex
	queued := map[string]int{} // id → GETs answered while queued
	holdDeletes(fs, 5, func(w http.ResponseWriter, r *http.Request) bool {
		id := strings.TrimPrefix(r.URL.Path, fs.collection()+"/")
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodDelete:
			queued[id] = 0
			w.WriteHeader(http.StatusNoContent)
			return true
		case r.Method == http.MethodGet && r.URL.Path != fs.collection():
			if queued[id]++; queued[id] == 2 { // carried out after one more look
				fs.mu.Lock()
				fs.scripts = slices.DeleteFunc(fs.scripts, func(s Script) bool { return s.ID == id })
				fs.mu.Unlock()
			}
		}
		return false
	})
	c := batchedClient(t, fs)
	c.batch.gather = time.Minute
	if err := deleteAll(c, testOrgID, ids(fs.snapshot())); err != nil {
		t.Fatal(err)
	}
	if d, l, g := countBy(fs, http.MethodDelete, false), countBy(fs, http.MethodGet, true), countBy(fs, http.MethodGet, false); d != 5 || l != 1 || g != 10 {
		t.Fatalf("5 queued deletions cost %d DELETEs, %d lists, %d GETs; want 5, 1, 10", d, l, g)
	}
	if n := len(fs.snapshot()); n != 0 {
		t.Fatalf("%d scripts left", n)
	}
}

// In an organization of more than two pages the shared listing is given up
// after two: each deletion is confirmed by its own read.
func TestDeleteTogetherLargeOrganization(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 1510)
	holdDeletes(fs, 10, nil)
	c := batchedClient(t, fs)
	c.batch.gather = time.Minute
	if err := deleteAll(c, testOrgID, ids(fs.snapshot())[1500:]); err != nil {
		t.Fatal(err)
	}
	if d, l, g := countBy(fs, http.MethodDelete, false), countBy(fs, http.MethodGet, true), countBy(fs, http.MethodGet, false); d != 10 || l != maxConfirmPages || g != 10 {
		t.Fatalf("10 deletions in an organization of 1,510 cost %d DELETEs, %d lists, %d GETs; want 10, %d, 10", d, l, g, maxConfirmPages)
	}
}

// A lone deletion, or one with batching off, costs a DELETE and a read.
func TestDeleteAlone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		api   API
		opts  []Option
		orgID string
	}{
		{"batched", APIScripts, nil, testOrgID},
		{"batch reads off", APIScripts, []Option{WithBatchReads(false)}, testOrgID},
		{"functions without an organization", APIFunctions, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, tc.api)
			fs.addN("s", 3)
			c := batchedClient(t, fs, tc.opts...)
			if err := c.DeleteInOrg(context.Background(), ids(fs.snapshot())[0], tc.orgID); err != nil {
				t.Fatal(err)
			}
			if d, l, g := countBy(fs, http.MethodDelete, false), countBy(fs, http.MethodGet, true), countBy(fs, http.MethodGet, false); d != 1 || l != 0 || g != 1 {
				t.Fatalf("one deletion cost %d DELETEs, %d lists, %d GETs; want 1, 0, 1", d, l, g)
			}
		})
	}
}

// A DELETE that stays unanswered does not hold the others past the
// gathering time: they are confirmed by their listing and return, and it
// is confirmed on its own once answered.
func TestDeleteTogetherDoesNotWaitForASlowOne(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 4)
	all := ids(fs.snapshot())
	slow := all[0]
	slowArrived, release := make(chan struct{}), make(chan struct{})
	var others sync.WaitGroup
	others.Add(2)
	fs.before = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		if r.Method != http.MethodDelete {
			return false
		}
		if strings.HasSuffix(r.URL.Path, "/"+slow) {
			close(slowArrived)
			<-release
			return false
		}
		others.Done()
		others.Wait()
		return false
	}
	c := batchedClient(t, fs)
	c.batch.gather = 100 * time.Millisecond
	slowDone := make(chan error)
	go func() { slowDone <- c.DeleteInOrg(context.Background(), slow, testOrgID) }()
	<-slowArrived
	if err := deleteAll(c, testOrgID, all[1:3]); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}
	if d, l, g := countBy(fs, http.MethodDelete, false), countBy(fs, http.MethodGet, true), countBy(fs, http.MethodGet, false); d != 3 || l != 1 || g != 1 {
		t.Fatalf("cost %d DELETEs, %d lists, %d GETs; want 3, 1 (the two together), 1 (the slow one)", d, l, g)
	}
}

// A DELETE that fails is reported; the deletions gathered with it are still
// confirmed by their listing, whichever answer comes last.
func TestDeleteTogetherOneFails(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, APIScripts)
	fs.addN("s", 3)
	all := ids(fs.snapshot())
	holdDeletes(fs, 3, func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/"+all[0]) {
			writeAPIError(w, http.StatusUnauthorized, "unauthorized", "unauthorized access")
			return true
		}
		return false
	})
	c := batchedClient(t, fs)
	c.batch.gather = time.Minute
	err := deleteAll(c, testOrgID, all)
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
		t.Fatalf("deleteAll = %v, want the 401 of the failed DELETE", err)
	}
	if d, l, g := countBy(fs, http.MethodDelete, false), countBy(fs, http.MethodGet, true), countBy(fs, http.MethodGet, false); d != 3 || l != 1 || g != 0 {
		t.Fatalf("cost %d DELETEs, %d lists, %d GETs; want 3, 1, 0", d, l, g)
	}
	if n := len(fs.snapshot()); n != 1 {
		t.Fatalf("%d scripts left, want the one whose DELETE failed", n)
	}
}
