package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/scriptparams"
)

var _ function.Function = scriptParamsFunction{}

// NewScriptParamsFunction is provider::influxdb::script_params.
func NewScriptParamsFunction() function.Function { return scriptParamsFunction{} }

// scriptParamsFunction needs no server: it reads the script text, so it
// works offline and before any script exists.
type scriptParamsFunction struct{}

func (scriptParamsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "script_params"
}

func (scriptParamsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Names of the parameters a script references",
		MarkdownDescription: "Returns the sorted list of parameter names that a Flux script references as `params.name` or `params[\"name\"]`, each once. " +
			"It reads only the text, offline: comments, string literals (except `${...}` interpolations) and regular expressions are skipped, and `r.params.x` or `myparams.x` are not references. " +
			"Useful to check, at plan time, that an invocation supplies every parameter, e.g. `setsubtract(provider::influxdb::script_params(s), keys(params))`.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "script",
				MarkdownDescription: "Script text, e.g. the `script` attribute of an `influxdb_invocable_script`.",
			},
		},
		Return: function.ListReturn{ElementType: types.StringType},
	}
}

func (scriptParamsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var script string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &script))
	if resp.Error != nil {
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, scriptparams.Names(script)))
}
