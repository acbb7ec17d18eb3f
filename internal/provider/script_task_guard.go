package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// taskListingMaxAge bounds how old a listing of an organization's tasks may
// be and still answer a script's destroy. Terraform destroys many scripts
// within a second or two; one listing serves them all, and a task created by
// someone else after the listing started is missed only inside this window.
const taskListingMaxAge = 5 * time.Second

// scriptTaskIndex answers "which tasks run this script?" for script destroys
// with one paged listing of the organization's tasks, shared by every
// destroy that starts while the listing is fresh; destroys that arrive while
// it is in flight wait for it. It is kept true to this process's own task
// creates, updates and deletes, so a task that Terraform destroyed a moment
// ago never blocks its script. The zero value is ready to use.
type scriptTaskIndex struct {
	mu       sync.Mutex
	listings map[string]*taskListing // by organization ID
	// local holds the tasks this process created or changed (nil: deleted),
	// by task ID; it overrides what a listing says about them.
	local map[string]*influxdb.Task
	now   func() time.Time // for tests; time.Now when nil
}

// taskListing is one listing of an organization's tasks, finished when done
// is closed.
type taskListing struct {
	started time.Time
	done    chan struct{}
	tasks   []influxdb.Task
	err     error
}

func (x *scriptTaskIndex) clock() time.Time {
	if x.now != nil {
		return x.now()
	}
	return time.Now()
}

// noteTask records a task this process created or updated.
func (x *scriptTaskIndex) noteTask(t *influxdb.Task) {
	if t == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.local == nil {
		x.local = map[string]*influxdb.Task{}
	}
	c := *t
	x.local[t.ID] = &c
}

// noteTaskDeleted records a task this process deleted.
func (x *scriptTaskIndex) noteTaskDeleted(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.local == nil {
		x.local = map[string]*influxdb.Task{}
	}
	x.local[id] = nil
}

// tasksRunning returns the tasks of the organization that run scriptID.
func (x *scriptTaskIndex) tasksRunning(ctx context.Context, client *influxdb.Client, orgID, scriptID string) ([]influxdb.Task, error) {
	l, err := x.listing(ctx, client, orgID)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []influxdb.Task
	for _, t := range l.tasks {
		if local, known := x.local[t.ID]; known {
			if local == nil || local.ScriptID != scriptID {
				continue // deleted, or moved to another script, by this process
			}
		}
		if t.ScriptID == scriptID {
			out = append(out, t)
		}
	}
	for id, t := range x.local {
		if t != nil && t.ScriptID == scriptID && (orgID == "" || t.OrgID == orgID) &&
			!slices.ContainsFunc(out, func(o influxdb.Task) bool { return o.ID == id }) {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(a, b influxdb.Task) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// listing returns a fresh listing of orgID's tasks: the one in flight or
// finished less than taskListingMaxAge after it started, else a new one. A
// failed listing is not kept: the next destroy tries again.
func (x *scriptTaskIndex) listing(ctx context.Context, client *influxdb.Client, orgID string) (*taskListing, error) {
	x.mu.Lock()
	if x.listings == nil {
		x.listings = map[string]*taskListing{}
	}
	l := x.listings[orgID]
	if l == nil || x.clock().Sub(l.started) > taskListingMaxAge {
		l = &taskListing{started: x.clock(), done: make(chan struct{})}
		x.listings[orgID] = l
		x.mu.Unlock()
		l.tasks, l.err = client.ListAllTasks(ctx, influxdb.TaskListOptions{OrgID: orgID})
		x.mu.Lock()
		if l.err != nil && x.listings[orgID] == l {
			delete(x.listings, orgID)
		}
		x.mu.Unlock()
		close(l.done)
		return l, l.err
	}
	x.mu.Unlock()
	select {
	case <-l.done:
		return l, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// guardScriptDelete reports whether a script's destroy must stop because
// tasks still run the script. It adds an error naming each such task, or a
// warning when the tasks cannot be listed (no tasks API on the server, or a
// token that may not read tasks), in which case the destroy goes on.
func (d *providerData) guardScriptDelete(ctx context.Context, client *influxdb.Client, orgID, scriptID string, diags *diag.Diagnostics) (blocked bool) {
	caps, err := client.Capabilities(ctx, orgID)
	if err != nil {
		d.addClientError(diags, "Unable To Delete Script", fmt.Sprintf("The provider could not find out which scripts API the server speaks, so script %s was not deleted.", scriptID), err)
		return true
	}
	if !caps.ScriptTasks() {
		return false // tasks cannot run scripts of the older generation
	}
	tasks, err := d.scriptTasks.tasksRunning(ctx, client, orgID, scriptID)
	switch {
	case err != nil && (influxdb.IsNotFound(err) || influxdb.IsUnauthorized(err)):
		diags.AddWarning("Unable To Check Tasks Before Deleting Script",
			fmt.Sprintf("Script %s is being deleted without checking whether tasks still run it: the server has no tasks API here, or the token may not read tasks. A task that runs this script will fail from now on. Give the token read permission on tasks to have the provider check.\n\n%s", scriptID, d.redact(err.Error())))
		return false
	case err != nil:
		d.addClientError(diags, "Unable To Delete Script", fmt.Sprintf("The provider could not list the tasks of %s to check that none still runs script %s, so the script was not deleted.", orgPhrase(orgID), scriptID), err)
		return true
	case len(tasks) == 0:
		return false
	}
	names := make([]string, len(tasks))
	for i, t := range tasks {
		names[i] = fmt.Sprintf("  - %q (id %s, %s)", t.Name, t.ID, t.Status)
	}
	diags.AddError("Script Still Run By Tasks",
		fmt.Sprintf("Script %s was not deleted, because %d task(s) that this configuration does not destroy still run it:\n\n%s\n\nDelete those tasks, or point them at another script (script_id of influxdb_invocable_script_task, or the InfluxDB UI), then destroy again. The script stays in InfluxDB and in the state.",
			scriptID, len(tasks), strings.Join(names, "\n")))
	return true
}
