package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
	_ resource.ResourceWithConfigure   = (*invocableScriptResource)(nil)
	_ resource.ResourceWithImportState = (*invocableScriptResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*invocableScriptResource)(nil)
	_ resource.ResourceWithIdentity    = (*invocableScriptResource)(nil)
)

// Default operation time limits; each includes every retry of every request.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultReadTimeout   = 5 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
)

// privateParamsSource names the private state entry holding a hash of the
// script text the params were read for, so a refresh re-reads /params only
// when the script changed outside Terraform.
const privateParamsSource = "params_source"

// NewInvocableScriptResource is the influxdb_invocable_script resource.
func NewInvocableScriptResource() resource.Resource { return &invocableScriptResource{} }

type invocableScriptResource struct {
	data *providerData
}

type invocableScriptResourceModel struct {
	scriptModel
	Params   types.Map      `tfsdk:"params"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

type scriptIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

func (r *invocableScriptResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_script"
}

func (r *invocableScriptResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An InfluxDB Cloud API-invocable script: a Flux (or SQL / InfluxQL) script that InfluxDB stores and serves as its own REST endpoint, invoked with parameters.\n\n" +
			"`description` and `script` change in place with one request; changing `name`, `language` or `org_id` replaces the script, because the current API cannot change them. " +
			"The older `/api/v2/functions` generation could rename in place, but a name change still replaces the script there: with `scripts_api = \"auto\"` the generation is known only once the provider talks to the server, a plan must not change shape with a network answer, and one configuration should plan the same against either generation.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Script ID assigned by InfluxDB (16 hexadecimal characters).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Script name, unique within the organization. Changing it replaces the script.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), trimmedValidator{}},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: "What the script does. Defaults to `\"\"`. Updated in place.",
			},
			"script": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Script text. Reference parameters as `params.name`. Updated in place.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"language": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("flux"),
				MarkdownDescription: "Script language: `flux` (default), `sql` or `influxql`; `python` only on servers that speak the older `/api/v2/functions` generation. Changing it replaces the script.",
				Validators:          []validator.String{stringvalidator.OneOf(influxdb.AllLanguages...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"org_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Organization ID. Defaults to the provider's `org_id` (or `org`), else to the organization of the token. Changing it replaces the script.",
				Validators:          []validator.String{orgIDValidator()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Invocation address, when the server reports one (InfluxDB Cloud may not); otherwise null.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Creation time, RFC 3339, as the server reports it.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Time of the last change, RFC 3339, as the server reports it.",
			},
			"params": schema.MapAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Parameters the script references, name → type (`any`, `bool`, `duration`, `float`, `int`, `string`, `time`, `uint`), as InfluxDB analyses them. Null on the older `/api/v2/functions` generation, which cannot tell. Re-read only when `script` changes.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *invocableScriptResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{RequiredForImport: true, Description: "Script ID."},
		},
	}
}

func (r *invocableScriptResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan fills what the plan can know without asking the server: the
// organization a new script will land in, and params that stay as they are
// unless the script text changes.
func (r *invocableScriptResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	// Only the attributes used here are read and only changed ones written:
	// this runs for every script on every plan, and decoding whole models
	// through reflection would cost more than the rest of the plan step.
	var configOrgID, planOrgID, planScript, planLanguage types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("org_id"), &configOrgID)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("org_id"), &planOrgID)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("script"), &planScript)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("language"), &planLanguage)...)
	if resp.Diagnostics.HasError() {
		return
	}
	hasState := !req.State.Raw.IsNull()
	var stateOrgID, stateScript types.String
	var stateParams types.Map
	if hasState {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("org_id"), &stateOrgID)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("script"), &stateScript)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("params"), &stateParams)...)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	if configOrgID.IsNull() {
		orgID := planOrgID
		switch {
		case hasState:
			orgID = stateOrgID
		case r.data != nil && r.data.orgID != "":
			orgID = types.StringValue(r.data.orgID)
		}
		if !orgID.Equal(planOrgID) {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("org_id"), orgID)...)
		}
	}
	if hasState && !planScript.IsUnknown() && planScript.Equal(stateScript) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("params"), stateParams)...)
	}
	if r.data != nil && r.data.client != nil && !planLanguage.IsUnknown() {
		if api := r.data.client.ConfiguredAPI(); api != influxdb.APIAuto {
			if langs := influxdb.LanguagesOf(api); !slices.Contains(langs, planLanguage.ValueString()) {
				resp.Diagnostics.AddAttributeError(path.Root("language"), "Language Not Supported By This API",
					fmt.Sprintf("The provider speaks the %s API (scripts_api), which accepts the languages %s; %q is not one of them.", api, strings.Join(langs, ", "), planLanguage.ValueString()))
			}
		}
	}
}

func (r *invocableScriptResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan invocableScriptResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.begin(ctx, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}

	orgID, ok := r.whereToCreate(ctx, client, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	name := plan.Name.ValueString()
	created, err := client.Create(ctx, influxdb.ScriptCreate{
		Name:        name,
		Description: plan.Description.ValueString(),
		Script:      plan.Script.ValueString(),
		Language:    plan.Language.ValueString(),
		OrgID:       orgID,
	})
	if err != nil {
		r.reportCreateError(ctx, client, &resp.Diagnostics, name, orgID, err)
		return
	}
	if orgID != "" && created.OrgID != orgID {
		r.removeMisplaced(ctx, client, created, orgID, &resp.Diagnostics)
		return
	}

	state := invocableScriptResourceModel{scriptModel: scriptModelFrom(created), Timeouts: plan.Timeouts}
	state.Params, _ = r.readParams(ctx, client, created, resp.Private, paramsWarn,
		fmt.Sprintf("The script %s was created, but its parameters could not be read; params stays empty until the next refresh reads them.", created.ID), &resp.Diagnostics)
	resp.Diagnostics.Append(state.setInto(ctx, &resp.State)...)
	r.setIdentity(ctx, resp.Identity, created.ID, &resp.Diagnostics)
}

// checkOrg makes sure, before anything is written, that the token can see
// the organization the script is meant for (one request per organization
// and provider process). A token that may not read organizations (401) cannot
// tell; the create then goes ahead, and removeMisplaced is the last line of
// defence. It returns false when the caller must stop.
func (r *invocableScriptResource) checkOrg(ctx context.Context, client *influxdb.Client, orgID string, diags *diag.Diagnostics) bool {
	if orgID == "" {
		return true // the token's organization
	}
	err := client.CheckOrg(ctx, orgID)
	var ae *influxdb.APIError
	switch {
	case err == nil:
		return true
	case errors.Is(err, influxdb.ErrOrgNotFound):
		r.reportUnknownOrg(diags, orgID, err)
		return false
	case errors.As(err, &ae) && (ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden):
		tflogDebug(ctx, r.data, "the token may not read organizations; the organization of the new script is checked after the create", map[string]any{"org_id": orgID})
		return true
	default:
		r.data.addClientError(diags, "Unable To Check Organization",
			fmt.Sprintf("The provider could not confirm that the token can see organization %s, so nothing was created.", orgID), err)
		return false
	}
}

// reportUnknownOrg explains an organization the token cannot see.
func (r *invocableScriptResource) reportUnknownOrg(diags *diag.Diagnostics, orgID string, err error) {
	diags.AddAttributeError(path.Root("org_id"), "Organization Not Found",
		fmt.Sprintf("The token cannot see organization %s, so nothing was created.\n\n%s\n\n%s", orgID, adviceFor(err), r.data.redact(err.Error())))
}

// removeMisplaced deletes a script InfluxDB created outside the organization
// orgID the configuration names: the token's organization decides where a
// script goes, and the provider must not leave one where it was not asked for.
func (r *invocableScriptResource) removeMisplaced(ctx context.Context, client *influxdb.Client, created *influxdb.Script, orgID string, diags *diag.Diagnostics) {
	delErr := client.Delete(ctx, created.ID)
	detail := fmt.Sprintf("InfluxDB put the script %q in organization %s, but the configuration asks for organization %s. The API takes the organization from the token: use a token of organization %s, or set org_id to %s.", created.Name, created.OrgID, orgID, orgID, created.OrgID)
	if delErr != nil {
		detail += fmt.Sprintf("\n\nRemoving the misplaced script %s also failed; delete it by hand: %s", created.ID, r.data.redact(delErr.Error()))
	} else {
		detail += fmt.Sprintf("\n\nThe misplaced script %s was removed again.", created.ID)
	}
	diags.AddAttributeError(path.Root("org_id"), "Script Created In Another Organization", detail)
}

// whereToCreate is the organization a new script goes to, checked before
// anything is written: the server's API generation accepts the language,
// and the token can see the organization. ok is false when diags got an error.
func (r *invocableScriptResource) whereToCreate(ctx context.Context, client *influxdb.Client, plan *invocableScriptResourceModel, diags *diag.Diagnostics) (string, bool) {
	orgID, ok := r.data.orgFor(ctx, plan.OrgID, ", so the script was not created", diags)
	if !ok {
		return "", false
	}
	caps, err := client.Capabilities(ctx, orgID)
	if errors.Is(err, influxdb.ErrOrgNotFound) {
		r.reportUnknownOrg(diags, orgID, err)
		return "", false
	}
	if err != nil {
		r.data.addClientError(diags, "Unable To Reach The Scripts API", "The provider could not find out which InfluxDB scripts API the server speaks, so nothing was created.", err)
		return "", false
	}
	if !slices.Contains(caps.Languages, plan.Language.ValueString()) {
		diags.AddAttributeError(path.Root("language"), "Language Not Supported By This Server",
			fmt.Sprintf("The server speaks the %s API, which accepts the languages %s; %q is not one of them. Nothing was created.", caps.API, strings.Join(caps.Languages, ", "), plan.Language.ValueString()))
		return "", false
	}
	return orgID, r.checkOrg(ctx, client, orgID, diags)
}

// reportCreateError explains a failed create; for a taken name it finds the
// existing script and shows how to import it.
func (r *invocableScriptResource) reportCreateError(ctx context.Context, client *influxdb.Client, diags *diag.Diagnostics, name, orgID string, err error) {
	var existing *influxdb.ExistingScriptError
	if errors.As(err, &existing) {
		diags.AddAttributeError(path.Root("name"), "Script Name Already Taken",
			fmt.Sprintf("A different script named %q already exists in organization %s (id %s). Choose another name, or bring the existing script under Terraform:\n\n  terraform import influxdb_invocable_script.<name> %s", name, existing.OrgID, existing.ID, existing.ID))
		return
	}
	if influxdb.IsConflict(err) {
		found, ferr := client.FindByName(ctx, influxdb.ListOptions{OrgID: orgID, Name: name})
		id, org := "<id>", orgID
		if ferr == nil && len(found) > 0 {
			id, org = found[0].ID, found[0].OrgID
		}
		if org == "" {
			org = "of the token"
		}
		diags.AddAttributeError(path.Root("name"), "Script Name Already Taken",
			fmt.Sprintf("InfluxDB already has a script named %q in organization %s. Names are unique per organization. Choose another name, or bring the existing script under Terraform:\n\n  terraform import influxdb_invocable_script.<name> %s\n\nor with an import block:\n\n  import {\n    to = influxdb_invocable_script.<name>\n    id = %q\n  }\n\n%s", name, org, id, id, r.data.redact(err.Error())))
		return
	}
	var ae *influxdb.APIError
	if errors.As(err, &ae) && ae.StatusCode < 500 {
		r.data.addClientError(diags, "Unable To Create Script", fmt.Sprintf("InfluxDB did not create the script %q.", name), err)
		return
	}
	// A timeout, a dropped connection or a 5xx may come after InfluxDB
	// stored the script, and the lookup that would tell failed too.
	r.data.addClientError(diags, "Unable To Create Script", fmt.Sprintf("The provider could not create the script %q. If the request reached InfluxDB it may exist anyway: the next apply then reports its name as taken, with the command that imports it.", name), err)
}

func (r *invocableScriptResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	// A refresh reads every script on every plan, so only the four
	// attributes needed are read, and the new state is written as one
	// object value: the framework's struct reflection would cost more than
	// the rest of Read together (make bench measures it).
	var state invocableScriptResourceModel
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &state.ID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("org_id"), &state.OrgID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("params"), &state.Params)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &state.Timeouts)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.begin(ctx, state.Timeouts.Read, defaultReadTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}

	id := state.ID.ValueString()
	// Read may answer from a list page of the organization when many
	// scripts are refreshed at once; a script absent there is read on its
	// own, so a 404 still means the server has no such script.
	s, err := client.Read(ctx, id, state.OrgID.ValueString())
	if influxdb.IsNotFound(err) {
		// Deleted outside Terraform: drop it so the plan recreates it. Only
		// a definite 404 does this; any other failure keeps the state. (The
		// framework still wants an identity for the removed resource.)
		r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		r.data.addClientError(&resp.Diagnostics, "Unable To Read Script", fmt.Sprintf("The provider could not read script %s; the state is unchanged.", id), err)
		return
	}

	newState := invocableScriptResourceModel{scriptModel: scriptModelFrom(s), Params: state.Params, Timeouts: state.Timeouts}
	if newState.Timeouts.IsNull() {
		newState.Timeouts = timeouts.Value{Object: types.ObjectNull(state.Timeouts.AttributeTypes(ctx))}
	}
	source, diags := req.Private.GetKey(ctx, privateParamsSource)
	resp.Diagnostics.Append(diags...)
	stale := state.Params.IsNull() || string(source) != string(paramsSource(s.Script))
	if stale {
		var ok bool
		newState.Params, ok = r.readParams(ctx, client, s, resp.Private, paramsFail,
			fmt.Sprintf("The provider could not read the parameters of script %s; the state is unchanged.", id), &resp.Diagnostics)
		if !ok {
			return
		}
	}
	resp.Diagnostics.Append(newState.setInto(ctx, &resp.State)...)
	r.setIdentity(ctx, resp.Identity, s.ID, &resp.Diagnostics)
}

// setInto writes m to state as a single object value, without the
// framework's struct reflection; Create, Read and Update all write the state
// this way.
func (m *invocableScriptResourceModel) setInto(ctx context.Context, state *tfsdk.State) diag.Diagnostics {
	typ, ok := state.Schema.Type().(attr.TypeWithAttributeTypes)
	if !ok {
		var diags diag.Diagnostics
		diags.AddError("Unexpected Schema Type", fmt.Sprintf("The resource schema is a %T, not an object. This is a bug in the provider; please report it.", state.Schema.Type()))
		return diags
	}
	values := scriptAttrValues(&m.scriptModel)
	values["params"] = m.Params
	values["timeouts"] = m.Timeouts
	obj, diags := types.ObjectValue(typ.AttributeTypes(), values)
	if diags.HasError() {
		return diags
	}
	return state.Set(ctx, obj)
}

func (r *invocableScriptResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state invocableScriptResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.begin(ctx, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}

	id := state.ID.ValueString()
	current, ok := r.applyUpdate(ctx, client, id, &plan, &state, &resp.Diagnostics)
	if !ok {
		return
	}

	// params is read again only when the plan left it unknown (the script
	// text changed): a value the plan shows, even null, is what the apply
	// must produce, and a refresh fills in a null left by a failed read.
	newState := invocableScriptResourceModel{scriptModel: scriptModelFrom(current), Params: plan.Params, Timeouts: plan.Timeouts}
	if plan.Params.IsUnknown() {
		newState.Params, ok = r.readParams(ctx, client, current, resp.Private, paramsWarn,
			fmt.Sprintf("The script %s was updated, but its parameters could not be read; params stays empty until the next refresh reads them.", id), &resp.Diagnostics)
		if !ok {
			return
		}
	}
	resp.Diagnostics.Append(newState.setInto(ctx, &resp.State)...)
	r.setIdentity(ctx, resp.Identity, id, &resp.Diagnostics)
}

// applyUpdate sends what changed between state and plan, and returns the
// script as InfluxDB has it afterwards; ok is false when diags got an error.
func (r *invocableScriptResource) applyUpdate(ctx context.Context, client *influxdb.Client, id string, plan, state *invocableScriptResourceModel, diags *diag.Diagnostics) (*influxdb.Script, bool) {
	var upd influxdb.ScriptUpdate
	if !plan.Description.Equal(state.Description) {
		upd.Description = plan.Description.ValueStringPointer()
	}
	if !plan.Script.Equal(state.Script) {
		upd.Script = plan.Script.ValueStringPointer()
	}
	if upd.Description == nil && upd.Script == nil {
		// Only Terraform-side settings (timeouts) changed: nothing to send.
		s, err := client.Get(ctx, id)
		if err != nil {
			r.data.addClientError(diags, "Unable To Read Script", fmt.Sprintf("The provider could not read script %s.", id), err)
			return nil, false
		}
		return s, true
	}
	s, err := client.Update(ctx, id, upd)
	if err != nil {
		r.data.addClientError(diags, "Unable To Update Script", fmt.Sprintf("InfluxDB did not update script %s.", id), err)
		return nil, false
	}
	// A PATCH that answers 200 but changes nothing must not pass as done.
	var stale []string
	if upd.Description != nil && s.Description != *upd.Description {
		stale = append(stale, "description")
	}
	if upd.Script != nil && s.Script != *upd.Script {
		stale = append(stale, "script")
	}
	if len(stale) > 0 {
		diags.AddError("Script Update Not Applied",
			fmt.Sprintf("InfluxDB answered the update of script %s with success, but the script it returned still has the old %s. The server may not support changing it; nothing in Terraform's state was changed. Try again, and if this persists replace the script (terraform apply -replace).", id, strings.Join(stale, " and ")))
		return nil, false
	}
	return s, true
}

func (r *invocableScriptResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state invocableScriptResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, client := r.begin(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if client == nil {
		return
	}

	id := state.ID.ValueString()
	if r.data.guardScriptDelete(ctx, client, state.OrgID.ValueString(), id, &resp.Diagnostics) {
		return // tasks still run the script (script_task_guard.go)
	}
	// Deletions that finish together are confirmed by one listing of the
	// organization; the call returns only once the script is gone.
	if err := client.DeleteInOrg(ctx, id, state.OrgID.ValueString()); err != nil {
		r.data.addClientError(&resp.Diagnostics, "Unable To Delete Script", fmt.Sprintf("The script %s may still exist in InfluxDB; it stays in the state.", id), err)
	}
}

func (r *invocableScriptResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != "" && strings.TrimSpace(req.ID) != req.ID {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("The import ID %q has surrounding white space. Give the script ID alone, e.g. 0a1b2c3d4e5f6071.", req.ID))
		return
	}
	resource.ImportStatePassthroughWithIdentity(ctx, path.Root("id"), path.Root("id"), req, resp)
	// Params are read by the Read that follows the import.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("params"), types.MapNull(types.StringType))...)
}

// begin is the opening of every operation (providerData.begin).
func (r *invocableScriptResource) begin(ctx context.Context, limit func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc, *influxdb.Client) {
	return r.data.begin(ctx, limit, def, diags)
}

// paramsOnFailure is how readParams reports a failed read of the parameters.
type paramsOnFailure int

const (
	// paramsWarn: the operation stands; params stays null until a refresh reads it.
	paramsWarn paramsOnFailure = iota
	// paramsFail: the operation fails and the state stays as it was.
	paramsFail
)

// privateSetter is the private state of a Create, Read or Update response.
type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// readParams reads the parameters of s for the new state, null where the
// server's generation cannot tell, and records which script text they were
// read for. happened tells the user what a failed read means; ok is false
// when the caller must stop (the generation is unknown, or the read failed
// under paramsFail).
func (r *invocableScriptResource) readParams(ctx context.Context, client *influxdb.Client, s *influxdb.Script, private privateSetter, onFailure paramsOnFailure, happened string, diags *diag.Diagnostics) (types.Map, bool) {
	null := types.MapNull(types.StringType)
	caps, err := client.Capabilities(ctx, s.OrgID)
	if err != nil {
		r.data.addClientError(diags, "Unable To Read Script Parameters", "The provider could not find out which scripts API the server speaks.", err)
		return null, false
	}
	if !caps.Params {
		return null, true
	}
	if !strings.Contains(s.Script, "params") {
		// Every reference is params.<name> or params["<name>"]: a text
		// without the word has none, and the server would answer {}.
		diags.Append(private.SetKey(ctx, privateParamsSource, paramsSource(s.Script))...)
		return paramsValue(map[string]string{}), true
	}
	params, err := client.Params(ctx, s.ID)
	switch {
	case err != nil && onFailure == paramsWarn:
		diags.AddWarning("Unable To Read Script Parameters", happened+"\n\n"+r.data.redact(err.Error()))
		return null, true
	case err != nil:
		r.data.addClientError(diags, "Unable To Read Script Parameters", happened, err)
		return null, false
	}
	diags.Append(private.SetKey(ctx, privateParamsSource, paramsSource(s.Script))...)
	return paramsValue(params), true
}

// setIdentity records the resource identity on CLIs that support it (the
// framework leaves identity nil on those that do not).
func (r *invocableScriptResource) setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id string, diags *diag.Diagnostics) {
	if identity == nil {
		return
	}
	diags.Append(identity.Set(ctx, scriptIdentityModel{ID: types.StringValue(id)})...)
}

// paramsSource fingerprints the script text params were read for.
func paramsSource(script string) []byte {
	sum := sha256.Sum256([]byte(script))
	b, _ := json.Marshal(hex.EncodeToString(sum[:]))
	return b
}
