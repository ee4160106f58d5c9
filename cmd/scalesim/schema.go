package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/scalesim/scalesim/internal/reference"
)

func newSchemaCmd(stdout io.Writer) *cobra.Command {
	return command(&cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of a scenario file, for editors",
		Long: `Print the JSON Schema (draft 2020-12) of a scenario file, generated from the
node kinds' fields: editors that read JSON Schema (the YAML language server of
VS Code, JetBrains, Neovim) complete fields, show their meaning and flag unknown
fields and wrong types. The same schema is checked in at ` + reference.ScenarioSchemaFile + `;
a scenario file names it on its first line, by a path relative to the file or a
URL:

  scalesim schema > scenario.schema.json
  # yaml-language-server: $schema=scenario.schema.json

The JSON report's schema is ` + reference.ReportSchemaFile + `.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := reference.ScenarioSchema()
			if err != nil {
				return err
			}
			_, err = stdout.Write(s)
			return err
		},
	})
}
