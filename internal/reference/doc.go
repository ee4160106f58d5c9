// Package reference generates, from the tables of fields the loader
// checks files against (internal/params: each node kind's, the workload's
// and the scenario's sections) and from the report's types, the reference
// page docs/reference.md, the JSON Schema of a scenario file
// (docs/scenario.schema.json, also printed by scalesim schema) and the
// JSON Schema of the JSON report (docs/report.schema.json). The tests
// fail when the checked-in files differ from what the code generates;
// go test ./internal/reference -update rewrites them.
package reference

// Where the schemas are checked in, from the module's root.
const (
	ScenarioSchemaFile = "docs/scenario.schema.json"
	ReportSchemaFile   = "docs/report.schema.json"
)
