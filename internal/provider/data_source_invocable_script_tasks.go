package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

var _ datasource.DataSourceWithConfigure = (*scriptTasksDataSource)(nil)

// NewScriptTasksDataSource is the influxdb_invocable_script_tasks data source.
func NewScriptTasksDataSource() datasource.DataSource { return &scriptTasksDataSource{} }

type scriptTasksDataSource struct {
	data *providerData
}

type scriptTasksDataSourceModel struct {
	OrgID    types.String `tfsdk:"org_id"`
	ScriptID types.String `tfsdk:"script_id"`
	Tasks    types.List   `tfsdk:"tasks"`
}

// taskAttributeDescriptions documents each attribute of a listed task.
var taskAttributeDescriptions = map[string]string{
	"id":                     "Task ID (16 hexadecimal characters).",
	"org_id":                 "ID of the organization the task belongs to.",
	"owner_id":               "ID of the user who owns the task.",
	"name":                   "Task name (not necessarily unique).",
	"description":            "What the task does; may be empty.",
	"script_id":              "ID of the script the task runs.",
	"script_parameters_json": "The task's script parameters as a JSON object, keys sorted, values with their JSON types (`5` stays a number): read them with `jsondecode()`. A JSON string because the framework cannot hold a value of any type inside a list of objects. `{}` when the task has none.",
	"status":                 "`active` or `inactive`.",
	"every":                  "Run interval (a Flux duration literal), or null when the task runs on `cron`.",
	"cron":                   "Cron schedule, or null when the task runs `every`.",
	"offset":                 "Delay after the scheduled time, or null for none.",
	"created_at":             "Creation time, RFC 3339, as the server reports it.",
	"updated_at":             "Time of the last change, RFC 3339, as the server reports it.",
	"latest_completed":       "Time of the latest completed run; null until the task has run.",
	"last_run_status":        "`success`, `failed` or `canceled`; null until the task has run.",
	"last_run_error":         "Error of the latest run, when it failed; otherwise null.",
}

var taskObjectType = func() types.ObjectType {
	typs := map[string]attr.Type{}
	for name := range taskAttributeDescriptions {
		typs[name] = types.StringType
	}
	return types.ObjectType{AttrTypes: typs}
}()

func (d *scriptTasksDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_invocable_script_tasks"
}

func (d *scriptTasksDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{}
	for name, desc := range taskAttributeDescriptions {
		attrs[name] = schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the InfluxDB Cloud tasks that run API-invocable scripts: those of one script with `script_id`, else every such task of the organization. Tasks that carry their own Flux are left out.\n\n" +
			"Every task is returned: the list is read in pages of 500 with InfluxDB's `after` cursor until a short page.",
		Attributes: map[string]schema.Attribute{
			"org_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Organization whose tasks to list. Defaults to the provider's `org_id` (or `org`); without either, the organization of the token, and then it is set from the tasks found (null when there are none).",
				Validators:          []validator.String{orgIDValidator()},
			},
			"script_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Only the tasks that run this script.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"tasks": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The tasks, in the server's order (by ID).",
				NestedObject:        schema.NestedAttributeObject{Attributes: attrs},
			},
		},
	}
}

func (d *scriptTasksDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *scriptTasksDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m scriptTasksDataSourceModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	ctx, client, orgID, ok := d.data.beginRead(ctx, m.OrgID, &resp.Diagnostics)
	if !ok {
		return
	}
	tasks, err := client.ListAllTasks(ctx, influxdb.TaskListOptions{OrgID: orgID, ScriptID: m.ScriptID.ValueString()})
	if err != nil {
		d.data.addClientError(&resp.Diagnostics, "Unable To List Tasks", fmt.Sprintf("The provider could not list the tasks of %s.", orgPhrase(orgID)), err)
		return
	}
	elems := []attr.Value{}
	for i := range tasks {
		t := &tasks[i]
		if t.ScriptID == "" || (!m.ScriptID.IsNull() && t.ScriptID != m.ScriptID.ValueString()) {
			continue // a Flux task, or a server that ignored the filter
		}
		if orgID != "" && t.OrgID != "" && t.OrgID != orgID {
			resp.Diagnostics.AddAttributeError(path.Root("org_id"), "Task Of Another Organization",
				fmt.Sprintf("The configuration asks for the tasks of organization %s, but InfluxDB returned task %s of organization %s. Use a token of organization %s.", orgID, t.ID, t.OrgID, orgID))
			return
		}
		params, err := t.Parameters()
		if err != nil {
			resp.Diagnostics.AddError("Unexpected Task Parameters", err.Error())
			return
		}
		js, err := paramsJSON(params)
		if err != nil {
			resp.Diagnostics.AddError("Unexpected Task Parameters", fmt.Sprintf("task %s: %s", t.ID, err))
			return
		}
		obj, diags := types.ObjectValue(taskObjectType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(t.ID), "org_id": types.StringValue(t.OrgID), "owner_id": nullIfEmpty(t.OwnerID),
			"name": types.StringValue(t.Name), "description": types.StringValue(t.Description),
			"script_id": types.StringValue(t.ScriptID), "script_parameters_json": types.StringValue(js),
			"status": types.StringValue(t.Status), "every": nullIfEmpty(t.Every), "cron": nullIfEmpty(t.Cron),
			"offset": nullIfEmpty(t.Offset), "created_at": nullIfEmpty(t.CreatedAt), "updated_at": nullIfEmpty(t.UpdatedAt),
			"latest_completed": nullIfEmpty(t.LatestCompleted), "last_run_status": nullIfEmpty(t.LastRunStatus),
			"last_run_error": nullIfEmpty(t.LastRunError),
		})
		if resp.Diagnostics.Append(diags...); diags.HasError() {
			return
		}
		elems = append(elems, obj)
		if orgID == "" {
			orgID = t.OrgID
		}
	}
	list, diags := types.ListValue(taskObjectType, elems)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	m.Tasks = list
	m.OrgID = nullIfEmpty(orgID)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
