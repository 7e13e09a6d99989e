// compose-config loads a Compose file with compose-go, the loader `docker compose` itself uses
// (interpolation, include with its env_file and project_directory, $$ escapes, path resolution),
// and prints the resolved project as JSON: what `docker compose config` shows, without a Docker
// engine. test/unit/compose.test.ts builds and runs it.
//
//	compose-config <compose file> <working directory>
//
// The environment is the process's own (the test passes an empty one, as a new user's shell);
// COMPOSE_PROFILES=scale in it loads what `docker compose --profile scale` does.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: compose-config <compose file> <working directory>")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions([]string{os.Args[1]},
		cli.WithWorkingDirectory(os.Args[2]), cli.WithOsEnv, cli.WithDotEnv, cli.WithDefaultProfiles())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(project); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
