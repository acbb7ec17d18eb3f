package influxdb

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Batched reads. A refresh reads every script of a configuration, as a
// burst of concurrent reads (ten at a time by default). One list page
// answers up to MaxPageSize of them, so within one client the reads of an
// organization are served from list pages when that is cheaper than one GET
// each. The rules, and why, are in DESIGN.md ("Refresh pays for a page");
// in short:
//
//   - A read with no other read of its organization in flight or started
//     within burstWindow is alone: it sends its own GET. Only the second read
//     of a burst starts a listing.
//   - A listing is used only by reads that start within snapshotMaxAge of its
//     first page request, and is dropped by this client's own create, update
//     and delete.
//   - A script found in the pages is answered from them. A script absent
//     from a complete listing is confirmed with its own GET: offset paging can
//     skip an entry when another client deletes one meanwhile.
//   - Pages are fetched one at a time, only for reads waiting on them, and
//     only while the pages fetched do not outnumber the reads the listing has
//     answered or is waiting to answer. A read waits for at most
//     maxWaitPages page answers, then sends its own GET; so an organization
//     much larger than the configuration costs each read at most that many
//     extra round trips, never a walk through the whole organization.
const (
	snapshotMaxAge = 10 * time.Second
	burstWindow    = 2 * time.Second
	maxWaitPages   = 2
)

// batch is the client's state for batched reads: per organization listed
// (see generation.listedOrg) the reads under way and the current listing.
type batch struct {
	mu   sync.Mutex
	orgs map[string]*orgBatch
	now  func() time.Time // nil means time.Now; tests move it
}

func (b *batch) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

type orgBatch struct {
	lastRead      time.Time // start of the latest read
	readsInFlight int       // GETs of lone reads not answered yet
	cur           *listing  // nil, or the listing new reads may use while fresh
}

// listing is what list pages of one organization have shown so far, in the
// server's order. Its fields are guarded by batch.mu.
type listing struct {
	orgID    string
	started  time.Time // when its first page was asked for
	scripts  []Script
	index    map[string]int // id → position in scripts
	offset   int            // offset of the next page
	pages    int            // pages answered (or failed)
	served   int            // reads answered from it
	waiting  int            // reads waiting for its next page
	complete bool           // a short page ended the list
	fetching bool
	err      error         // the page request that failed; no more pages
	changed  chan struct{} // closed when a page request ends
}

func newListing(orgID string, now time.Time) *listing {
	return &listing{orgID: orgID, started: now, index: map[string]int{}, changed: make(chan struct{})}
}

// listedOrg is the organization a list of orgID shows: orgID where the list
// takes an organization, else "" for the token's, whatever orgID says (a
// GET, too, sees only the token's organization there).
func (g generation) listedOrg(orgID string) string {
	if g.orgInQuery {
		return orgID
	}
	return ""
}

// org returns the state of orgID. Call with b.mu held.
func (b *batch) org(orgID string) *orgBatch {
	if b.orgs == nil {
		b.orgs = map[string]*orgBatch{}
	}
	ob := b.orgs[orgID]
	if ob == nil {
		ob = &orgBatch{}
		b.orgs[orgID] = ob
	}
	return ob
}

// fresh returns the org's listing if a read starting at now may use it.
// Call with b.mu held.
func (ob *orgBatch) fresh(now time.Time) *listing {
	if ob.cur != nil && now.Sub(ob.cur.started) > snapshotMaxAge {
		ob.cur = nil
	}
	return ob.cur
}

// dropListings forgets every listing: this client has just changed a script,
// so none of them is what the server holds any more. Reads already waiting
// on one keep it (they started before the change).
func (c *Client) dropListings() {
	c.batch.mu.Lock()
	defer c.batch.mu.Unlock()
	for _, ob := range c.batch.orgs {
		ob.cur = nil
	}
}

// Read returns one script, as Get does, but may answer it from a list page
// of orgID when it is one of a burst of reads (see the top of this file).
// orgID is the organization the caller believes the script is in; "" is the
// token's organization. With batched reads off (WithBatchReads) it is Get.
func (c *Client) Read(ctx context.Context, id, orgID string) (*Script, error) {
	if err := checkID("get script", id); err != nil {
		return nil, err
	}
	g, err := c.generation(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if !c.batchReads || (g.orgInQuery && orgID == "") {
		// The functions generation cannot list without an organization.
		return c.get(ctx, g, id)
	}
	orgID = g.listedOrg(orgID)
	b := &c.batch
	b.mu.Lock()
	ob := b.org(orgID)
	now := b.clock()
	l := ob.fresh(now)
	burst := ob.readsInFlight > 0 || (!ob.lastRead.IsZero() && now.Sub(ob.lastRead) < burstWindow)
	ob.lastRead = now
	if l == nil {
		if !burst {
			ob.readsInFlight++
			b.mu.Unlock()
			s, err := c.get(ctx, g, id)
			b.mu.Lock()
			ob.readsInFlight--
			b.mu.Unlock()
			return s, err
		}
		l = newListing(orgID, now)
		ob.cur = l
		c.debug(ctx, "several reads at once: reading scripts from list pages", map[string]any{"org_id": orgID})
	}
	for waited := 0; ; waited++ {
		if i, ok := l.index[id]; ok {
			l.served++
			s := l.scripts[i]
			b.mu.Unlock()
			return &s, nil
		}
		// Not (yet) in the pages. Wait for the next page only while that
		// is worth it; otherwise this read pays for its own GET, which
		// also confirms a script that a complete listing lacks.
		if l.complete || l.err != nil || waited >= maxWaitPages || (!l.fetching && l.pages >= l.served+l.waiting+1) {
			b.mu.Unlock()
			return c.get(ctx, g, id)
		}
		if !l.fetching {
			l.fetching = true
			// The page serves other reads too: it must not end with
			// this read's context.
			go c.fetchPage(context.WithoutCancel(ctx), g, l)
		}
		ch := l.changed
		l.waiting++
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			b.mu.Lock()
			l.waiting--
			b.mu.Unlock()
			return nil, &TransportError{Op: "read script " + id, Err: ctx.Err()}
		}
		b.mu.Lock()
		l.waiting--
	}
}

// fetchPage asks for the listing's next page and wakes the reads waiting on it.
func (c *Client) fetchPage(ctx context.Context, g generation, l *listing) {
	b := &c.batch
	b.mu.Lock()
	offset := l.offset
	b.mu.Unlock()
	page, err := c.listPage(ctx, g, ListOptions{OrgID: l.orgID, Limit: MaxPageSize, Offset: offset})

	b.mu.Lock()
	defer b.mu.Unlock()
	l.pages++
	switch {
	case err != nil:
		l.err = err
	default:
		added := 0
		for _, s := range page {
			// A script created meanwhile shifts the list by one, so a
			// page can repeat the last script of the one before.
			if _, seen := l.index[s.ID]; seen {
				continue
			}
			l.index[s.ID] = len(l.scripts)
			l.scripts = append(l.scripts, s)
			added++
		}
		l.offset += len(page)
		switch {
		case len(page) < MaxPageSize:
			l.complete = true
		case added == 0:
			l.err = errors.New("the server returned the same page twice; it may not support paging")
		}
	}
	fields := map[string]any{
		"org_id": l.orgID, "page": l.pages, "scripts": len(l.scripts), "complete": l.complete, "reads_served": l.served, "reads_waiting": l.waiting,
	}
	if l.err != nil {
		fields["error"] = l.err.Error() // client errors never hold the token
	}
	c.debug(ctx, "read a list page for batched reads", fields)
	l.fetching = false
	close(l.changed)
	l.changed = make(chan struct{})
}

// snapshot returns the scripts of a fresh, complete listing of orgID, in the
// server's order, or false when there is none.
func (c *Client) snapshot(g generation, orgID string) ([]Script, bool) {
	if !c.batchReads {
		return nil, false
	}
	c.batch.mu.Lock()
	defer c.batch.mu.Unlock()
	ob := c.batch.org(g.listedOrg(orgID))
	l := ob.fresh(c.batch.clock())
	if l == nil || !l.complete || l.err != nil {
		return nil, false
	}
	return slices.Clone(l.scripts), true
}
