package influxdb

import "slices"

// ConfiguredAPI returns the generation the client was told to speak, or
// APIAuto when it detects it. It makes no request, so plans can use it.
func (c *Client) ConfiguredAPI() API { return c.api }

// LanguagesOf lists the languages a generation accepts on create.
func LanguagesOf(api API) []string {
	if g, ok := generations[api]; ok {
		return slices.Clone(g.caps.Languages)
	}
	return slices.Clone(AllLanguages)
}
