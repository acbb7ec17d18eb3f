package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

var (
	_ resource.ResourceWithConfigure        = (*scriptTaskResource)(nil)
	_ resource.ResourceWithImportState      = (*scriptTaskResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*scriptTaskResource)(nil)
	_ resource.ResourceWithIdentity         = (*scriptTaskResource)(nil)
	_ resource.ResourceWithConfigValidators = (*scriptTaskResource)(nil)
)

// NewScriptTaskResource is the influxdb_invocable_script_task resource.
func NewScriptTaskResource() resource.Resource { return &scriptTaskResource{} }

type scriptTaskResource struct {
	data *providerData
}

type scriptTaskModel struct {
	ID               types.String   `tfsdk:"id"`
	OrgID            types.String   `tfsdk:"org_id"`
	Name             types.String   `tfsdk:"name"`
	Description      types.String   `tfsdk:"description"`
	ScriptID         types.String   `tfsdk:"script_id"`
	ScriptParameters types.Dynamic  `tfsdk:"script_parameters"`
	Every            types.String   `tfsdk:"every"`
	Cron             types.String   `tfsdk:"cron"`
	Offset           types.String   `tfsdk:"offset"`
	Status           types.String   `tfsdk:"status"`
	OwnerID          types.String   `tfsdk:"owner_id"`
	CreatedAt        types.String   `tfsdk:"created_at"`
	UpdatedAt        types.String   `tfsdk:"updated_at"`
	LatestCompleted  types.String   `tfsdk:"latest_completed"`
	LastRunStatus    types.String   `tfsdk:"last_run_status"`
	LastRunError     types.String   `tfsdk:"last_run_error"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

type taskIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

func (r *scriptTaskResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_script_task"
}

func (r *scriptTaskResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	computed := func(desc string, keep bool) schema.StringAttribute {
		a := schema.StringAttribute{Computed: true, MarkdownDescription: desc}
		if keep {
			a.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
		}
		return a
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "An InfluxDB Cloud task that runs an API-invocable script on a schedule (`every` or `cron`), with `script_parameters` as the script's `params`.\n\n" +
			"Every attribute but `org_id` changes in place with one request, including `script_id` and a switch between `every` and `cron`. " +
			"Before a task is created, and before an update that changes `script_id` or `script_parameters`, the provider reads the parameters the script uses (`GET /api/v2/scripts/{id}/params`) and refuses a task that lacks any of them, naming each; nothing is created or changed then. " +
			"The check runs in the plan, so `terraform plan` fails already; when `script_id` is known only after apply (a script created in the same run), it runs in the plan Terraform makes again right before the task is created.\n\n" +
			"Only tasks that run a script are managed: importing or reading a task that carries its own Flux is an error.\n\n" +
			"Scripts of the older `/api/v2/functions` generation cannot be run by tasks.",
		Attributes: map[string]schema.Attribute{
			"id": computed("Task ID assigned by InfluxDB (16 hexadecimal characters).", true),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Task name. Task names need not be unique. Updated in place.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), trimmedValidator{}},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: "What the task does. Defaults to `\"\"`. Updated in place.",
			},
			"script_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the invocable script the task runs (the `id` of an `influxdb_invocable_script`). Updated in place.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"script_parameters": schema.DynamicAttribute{
				Optional: true,
				MarkdownDescription: "Parameters for each run, which the script reads as `params.<name>`: an object such as `{ bucket = \"telegraf\", n = 5 }`. " +
					"Values keep their types on the way to InfluxDB, as in an invocation: `n = 5` arrives as the JSON number 5. " +
					"Every parameter the script reads must be given. Updated in place.",
				Validators: []validator.Dynamic{paramsObjectValidator{}},
			},
			"every": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Run interval, a Flux duration literal such as `1h`, `30m` or `1h30m`. Exactly one of `every` and `cron` is required; switching between them is an update in place.",
				Validators:          []validator.String{fluxDurationValidator{}, nonZeroDurationValidator{}},
			},
			"cron": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Run schedule, a cron expression with five fields (minute hour day-of-month month day-of-week) such as `0 * * * *`, six with seconds first, or a macro such as `@hourly`. InfluxDB evaluates it in UTC. Exactly one of `every` and `cron` is required.",
				Validators:          []validator.String{cronValidator{}},
			},
			"offset": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Delay after the scheduled time before a run starts, a Flux duration literal such as `5m`. Leave it out for none.",
				Validators:          []validator.String{fluxDurationValidator{}},
			},
			"status": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("active"),
				MarkdownDescription: "`active` (default) or `inactive`; an inactive task does not run. Updated in place.",
				Validators:          []validator.String{stringvalidator.OneOf("active", "inactive")},
			},
			"org_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Organization ID. Defaults to the provider's `org_id` (or `org`), else to the organization of the token. Changing it replaces the task.",
				Validators:          []validator.String{orgIDValidator()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"owner_id":         computed("ID of the user who owns the task.", true),
			"created_at":       computed("Creation time, RFC 3339, as the server reports it.", true),
			"updated_at":       computed("Time of the last change, RFC 3339, as the server reports it.", false),
			"latest_completed": computed("Time of the latest completed run, RFC 3339; null until the task has run.", false),
			"last_run_status":  computed("Outcome of the latest run: `success`, `failed` or `canceled`; null until the task has run.", false),
			"last_run_error":   computed("Error of the latest run, when it failed; otherwise null.", false),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *scriptTaskResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{resourcevalidator.ExactlyOneOf(path.MatchRoot("every"), path.MatchRoot("cron"))}
}

func (r *scriptTaskResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{RequiredForImport: true, Description: "Task ID."},
		},
	}
}

func (r *scriptTaskResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan fills the organization a new task lands in, and checks the
// script's parameters whenever the task will be created or will run another
// script or other parameters, and both are known.
func (r *scriptTaskResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan scriptTaskModel
	var configOrgID types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("org_id"), &configOrgID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hasState := !req.State.Raw.IsNull()
	var state scriptTaskModel
	if hasState {
		if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() {
			return
		}
	}
	if configOrgID.IsNull() {
		orgID := plan.OrgID
		switch {
		case hasState:
			orgID = state.OrgID
		case r.data != nil && r.data.orgID != "":
			orgID = types.StringValue(r.data.orgID)
		}
		if !orgID.Equal(plan.OrgID) {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("org_id"), orgID)...)
			plan.OrgID = orgID
		}
	}

	scriptChanges := !hasState || !plan.ScriptID.Equal(state.ScriptID) || !plan.ScriptParameters.Equal(state.ScriptParameters)
	known := !plan.ScriptID.IsUnknown() && !plan.ScriptParameters.IsUnknown() && !plan.ScriptParameters.IsUnderlyingValueUnknown()
	if !scriptChanges || !known || r.data == nil || r.data.client == nil || len(r.data.unknown) > 0 {
		// Unknown values are checked in the plan Terraform makes again at
		// apply, when they are known, right before the task is written.
		return
	}
	params, err := paramsToGo(ctx, plan.ScriptParameters)
	if err != nil {
		// A value whose inner parts are not known yet: checked at apply.
		return
	}
	ctx = r.data.maskToken(ctx)
	r.checkScriptParams(ctx, r.data.client, plan.OrgID.ValueString(), plan.ScriptID.ValueString(), params, &resp.Diagnostics)
}

// checkScriptParams fails when the server cannot run script tasks, the
// script does not exist, or params lacks a parameter the script reads.
func (r *scriptTaskResource) checkScriptParams(ctx context.Context, client *influxdb.Client, orgID, scriptID string, params map[string]any, diags *diag.Diagnostics) {
	caps, err := client.Capabilities(ctx, orgID)
	if err != nil {
		r.data.addClientError(diags, "Unable To Check Script Parameters", "The provider could not find out which scripts API the server speaks.", err)
		return
	}
	if !caps.ScriptTasks() {
		diags.AddAttributeError(path.Root("script_id"), "Script Tasks Not Supported",
			fmt.Sprintf("The server speaks the older %s scripts API; tasks can run only scripts of the current /api/v2/scripts API. Nothing was created.", caps.API))
		return
	}
	missing, err := missingParams(ctx, client, scriptID, params)
	switch {
	case influxdb.IsNotFound(err):
		diags.AddAttributeError(path.Root("script_id"), "Script Not Found",
			fmt.Sprintf("InfluxDB has no script with id %q that this token can see, so no task was created or changed. Check script_id (the id attribute of an influxdb_invocable_script).\n\n%s", scriptID, r.data.redact(err.Error())))
	case err != nil:
		r.data.addClientError(diags, "Unable To Check Script Parameters",
			fmt.Sprintf("The provider could not read the parameters script %s uses, so the task was not created or changed.", scriptID), err)
	case len(missing) > 0:
		diags.AddAttributeError(path.Root("script_parameters"), "Missing Script Parameters",
			fmt.Sprintf("Script %s reads %s, which script_parameters does not supply; every run of the task would fail, so no task was created or changed. Add %s to script_parameters, e.g. script_parameters = { %s = ... }.",
				scriptID, quoteList("parameter", missing), itOrThem(len(missing)), missing[0]))
	}
}

func (r *scriptTaskResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan scriptTaskModel
	if resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.data.begin(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	orgID, ok := r.data.orgFor(ctx, plan.OrgID, ", so the task was not created", &resp.Diagnostics)
	if !ok {
		return
	}
	params, err := paramsToGo(ctx, plan.ScriptParameters)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("script_parameters"), "Invalid Script Parameters", err.Error())
		return
	}
	created, err := client.CreateTask(ctx, influxdb.TaskCreate{
		OrgID: orgID, Name: plan.Name.ValueString(), Description: plan.Description.ValueString(),
		ScriptID: plan.ScriptID.ValueString(), ScriptParameters: params,
		Every: plan.Every.ValueString(), Cron: plan.Cron.ValueString(), Offset: plan.Offset.ValueString(),
		Status: plan.Status.ValueString(),
	})
	if err != nil {
		r.data.addClientError(&resp.Diagnostics, "Unable To Create Task",
			fmt.Sprintf("InfluxDB did not create the task %q (or the provider could not tell whether it did; then the next apply may find a second task of that name, which names need not prevent).", plan.Name.ValueString()), err)
		return
	}
	r.data.scriptTasks.noteTask(created)
	if orgID != "" && created.OrgID != orgID {
		delErr := client.DeleteTask(ctx, created.ID)
		detail := fmt.Sprintf("InfluxDB put the task %q in organization %s, but the configuration asks for organization %s. Use a token of organization %s, or set org_id to %s.", plan.Name.ValueString(), created.OrgID, orgID, orgID, created.OrgID)
		if delErr != nil {
			detail += fmt.Sprintf("\n\nRemoving the misplaced task %s also failed; delete it by hand: %s", created.ID, r.data.redact(delErr.Error()))
		} else {
			r.data.scriptTasks.noteTaskDeleted(created.ID)
			detail += fmt.Sprintf("\n\nThe misplaced task %s was removed again.", created.ID)
		}
		resp.Diagnostics.AddAttributeError(path.Root("org_id"), "Task Created In Another Organization", detail)
		return
	}
	r.writeState(ctx, created, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
}

// writeState stores the task as the server reported it. Where the server
// says the same as prior (the plan, or the previous state) in other words,
// prior's spelling is kept: script_parameters that are the same JSON values
// (5 against 5.0, another key order), and every and offset that are the same
// duration (60m against 1h, an offset of 0s against none). Otherwise a
// server that normalises would fail the apply with an inconsistent result
// and plan a change after every refresh.
func (r *scriptTaskResource) writeState(ctx context.Context, t *influxdb.Task, prior *scriptTaskModel, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	to := prior.Timeouts
	if t.ScriptID == "" {
		diags.AddError("Not A Script Task",
			fmt.Sprintf("Task %s (%q) runs Flux of its own, not an invocable script; influxdb_invocable_script_task manages only tasks that reference a script. Manage it another way, and remove it from this resource (terraform state rm, or drop the import).", t.ID, t.Name))
		return
	}
	got, err := t.Parameters()
	if err != nil {
		diags.AddError("Unexpected Task Parameters", fmt.Sprintf("InfluxDB returned task %s with parameters that are not a JSON object: %s", t.ID, err))
		return
	}
	params := prior.ScriptParameters
	if priorGo, perr := paramsToGo(ctx, params); perr != nil || params.IsUnknown() || !sameParams(priorGo, got) {
		params, err = paramsFromServer(got)
		if err != nil {
			diags.AddError("Unexpected Task Parameters", fmt.Sprintf("The parameters of task %s cannot be represented: %s", t.ID, err))
			return
		}
	}
	m := scriptTaskModel{
		ID: types.StringValue(t.ID), OrgID: types.StringValue(t.OrgID), Name: types.StringValue(t.Name),
		Description: types.StringValue(t.Description), ScriptID: types.StringValue(t.ScriptID), ScriptParameters: params,
		Every: keepDuration(prior.Every, t.Every), Cron: nullIfEmpty(t.Cron), Offset: keepDuration(prior.Offset, t.Offset), Status: types.StringValue(t.Status),
		OwnerID: nullIfEmpty(t.OwnerID), CreatedAt: nullIfEmpty(t.CreatedAt), UpdatedAt: nullIfEmpty(t.UpdatedAt),
		LatestCompleted: nullIfEmpty(t.LatestCompleted), LastRunStatus: nullIfEmpty(t.LastRunStatus), LastRunError: nullIfEmpty(t.LastRunError),
		Timeouts: to,
	}
	if m.Timeouts.IsNull() || m.Timeouts.IsUnknown() {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(to.AttributeTypes(ctx))}
	}
	if diags.Append(state.Set(ctx, &m)...); diags.HasError() {
		return
	}
	if identity != nil {
		diags.Append(identity.Set(ctx, taskIdentityModel{ID: types.StringValue(t.ID)})...)
	}
}

func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func (r *scriptTaskResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scriptTaskModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.data.begin(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	id := state.ID.ValueString()
	t, err := client.GetTask(ctx, id)
	if influxdb.IsNotFound(err) {
		// Deleted outside Terraform: the plan creates it again.
		if resp.Identity != nil {
			resp.Diagnostics.Append(resp.Identity.Set(ctx, taskIdentityModel{ID: types.StringValue(id)})...)
		}
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.data.addClientError(&resp.Diagnostics, "Unable To Read Task", fmt.Sprintf("The provider could not read task %s; the state is unchanged.", id), err)
		return
	}
	r.writeState(ctx, t, &state, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *scriptTaskResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state scriptTaskModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.data.begin(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	id := state.ID.ValueString()
	upd, err := taskUpdateFrom(ctx, &plan, &state)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("script_parameters"), "Invalid Script Parameters", err.Error())
		return
	}
	var t *influxdb.Task
	if upd == (influxdb.TaskUpdate{}) {
		// Only Terraform-side settings (timeouts) changed: nothing to send.
		t, err = client.GetTask(ctx, id)
		if err != nil {
			r.data.addClientError(&resp.Diagnostics, "Unable To Read Task", fmt.Sprintf("The provider could not read task %s.", id), err)
			return
		}
	} else {
		t, err = client.UpdateTask(ctx, id, upd)
		if err != nil {
			r.data.addClientError(&resp.Diagnostics, "Unable To Update Task", fmt.Sprintf("InfluxDB did not update task %s.", id), err)
			return
		}
		r.data.scriptTasks.noteTask(t)
		if stale := staleTaskFields(t, &plan); len(stale) > 0 {
			resp.Diagnostics.AddError("Task Update Not Applied",
				fmt.Sprintf("InfluxDB answered the update of task %s with success, but the task it returned still differs in %s. Nothing in Terraform's state was changed; run apply again, and if this persists replace the task (terraform apply -replace).", id, strings.Join(stale, ", ")))
			return
		}
	}
	r.writeState(ctx, t, &plan, &resp.State, resp.Identity, &resp.Diagnostics)
}

// taskUpdateFrom lists what differs between plan and state. A switch
// between every and cron sends both: the new one set, the old one "" (which
// the API takes as "remove"). Removing the offset sends "0", as the contract
// documents.
func taskUpdateFrom(ctx context.Context, plan, state *scriptTaskModel) (influxdb.TaskUpdate, error) {
	var u influxdb.TaskUpdate
	str := func(v types.String) *string { s := v.ValueString(); return &s }
	if !plan.Name.Equal(state.Name) {
		u.Name = str(plan.Name)
	}
	if !plan.Description.Equal(state.Description) {
		u.Description = str(plan.Description)
	}
	if !plan.ScriptID.Equal(state.ScriptID) {
		u.ScriptID = str(plan.ScriptID)
	}
	if !plan.Status.Equal(state.Status) {
		u.Status = str(plan.Status)
	}
	if !plan.Every.Equal(state.Every) || !plan.Cron.Equal(state.Cron) {
		u.Every, u.Cron = str(plan.Every), str(plan.Cron)
	}
	if !plan.Offset.Equal(state.Offset) {
		u.Offset = str(plan.Offset)
		if plan.Offset.IsNull() {
			zero := "0"
			u.Offset = &zero
		}
	}
	if !plan.ScriptParameters.Equal(state.ScriptParameters) {
		params, err := paramsToGo(ctx, plan.ScriptParameters)
		if err != nil {
			return u, err
		}
		if params == nil {
			params = map[string]any{}
		}
		u.ScriptParameters = &params
	}
	return u, nil
}

// staleTaskFields names the fields in which the task the server returned
// differs from the plan: a PATCH that answers 200 but changes nothing must
// not pass as done.
func staleTaskFields(t *influxdb.Task, plan *scriptTaskModel) []string {
	var stale []string
	for name, pair := range map[string][2]string{
		"name": {t.Name, plan.Name.ValueString()}, "description": {t.Description, plan.Description.ValueString()},
		"script_id": {t.ScriptID, plan.ScriptID.ValueString()}, "status": {t.Status, plan.Status.ValueString()},
		"cron": {t.Cron, plan.Cron.ValueString()},
	} {
		if pair[0] != pair[1] {
			stale = append(stale, name)
		}
	}
	if !influxdb.SameDuration(t.Every, plan.Every.ValueString()) {
		stale = append(stale, "every")
	}
	if !influxdb.SameDuration(t.Offset, plan.Offset.ValueString()) {
		stale = append(stale, "offset")
	}
	slices.Sort(stale)
	return stale
}

func (r *scriptTaskResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scriptTaskModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.data.begin(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}
	id := state.ID.ValueString()
	if err := client.DeleteTask(ctx, id); err != nil {
		r.data.addClientError(&resp.Diagnostics, "Unable To Delete Task", fmt.Sprintf("The task %s may still exist in InfluxDB; it stays in the state.", id), err)
		return
	}
	r.data.scriptTasks.noteTaskDeleted(id)
}

func (r *scriptTaskResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != "" && strings.TrimSpace(req.ID) != req.ID {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("The import ID %q has surrounding white space. Give the task ID alone, e.g. 0a1b2c3d4e5f6071.", req.ID))
		return
	}
	resource.ImportStatePassthroughWithIdentity(ctx, path.Root("id"), path.Root("id"), req, resp)
}
