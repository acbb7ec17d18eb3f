package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/influxdb"
)

// addClientError is the one way a failed client call becomes a diagnostic:
// what happened, what to do, then the original error with the token removed
// in case a server echoed it back.
func (d *providerData) addClientError(diags *diag.Diagnostics, summary, happened string, err error) {
	detail := fmt.Sprintf("%s\n\n%s\n\n%s", happened, adviceFor(err), d.redact(err.Error()))
	diags.AddError(summary, detail)
}

// adviceFor says what the user can do about err.
func adviceFor(err error) string {
	var ae *influxdb.APIError
	var te *influxdb.TransportError
	var de *influxdb.DecodeError
	switch {
	case errors.Is(err, influxdb.ErrOrgNotFound):
		return "The token cannot see that organization: it does not exist, or the token belongs to another one. Check org_id or org (on the provider, or org_id on the resource) against the token's organization; InfluxDB Cloud puts scripts in the organization of the token."
	case errors.Is(err, influxdb.ErrNoScriptsAPI):
		return "The server answers, but serves neither /api/v2/scripts nor /api/v2/functions. Invocable scripts exist only in InfluxDB Cloud: check that url is a Cloud region URL (for example https://us-east-1-1.aws.cloud2.influxdata.com) and that no proxy rewrites the paths."
	case errors.As(err, &ae):
		switch {
		case ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden:
			return "InfluxDB refused the token. Check that token (or INFLUXDB_TOKEN) is a valid API token of this organization with read and write permission on scripts."
		case ae.StatusCode == http.StatusTooManyRequests:
			return "InfluxDB Cloud's rate limit was still exceeded after the retries. Wait for the 5-minute quota window to pass, lower -parallelism, or raise max_retries."
		case ae.StatusCode >= 500:
			return "InfluxDB Cloud (or a proxy in front of it) failed. Try again later; if it persists, check the InfluxDB Cloud status page."
		case ae.StatusCode == http.StatusNotFound:
			return "InfluxDB does not know this object, or the URL does not point at an InfluxDB Cloud region."
		default:
			return "InfluxDB rejected the request; its message below says why."
		}
	case errors.As(err, &te):
		if te.Timeout() {
			return "The request ran out of time. Raise the provider's timeout (per request) or the resource's timeouts block (per operation), or check the network path to InfluxDB."
		}
		return "The provider could not reach InfluxDB. Check url, proxies (HTTPS_PROXY, NO_PROXY) and the network, then try again."
	case errors.As(err, &de):
		return "The server answered, but not as the InfluxDB scripts API does. Check that url points at InfluxDB Cloud and not at a proxy or another service."
	}
	return "Check the provider configuration and try again."
}
