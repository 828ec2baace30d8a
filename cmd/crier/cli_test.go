package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUsageShowsEveryFlag(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"shell", "run", "when", "check", "migrate", "backup", "import"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := run(t, nil, "", cmd, "-h")
			require.Equal(t, 0, code)
			flags := regexp.MustCompile(`(?m)^\s+-([a-z-]+)`).FindAllStringSubmatch(errOut, -1)
			require.NotEmpty(t, flags, errOut)
			line := regexp.MustCompile(`(?m)^  crier ` + cmd + ` .*$`).FindString(usage)
			require.NotEmpty(t, line, "crier --help has a line for %s", cmd)
			for _, f := range flags {
				require.Regexp(t, `-`+regexp.QuoteMeta(f[1])+`[ \]]`, line, "crier --help shows %s's flag -%s", cmd, f[1])
			}
		})
	}
	code, out, _ := run(t, nil, "", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "crier version")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "-version", "--version"} {
		code, out, errOut := run(t, nil, "", arg)
		require.Equal(t, 0, code, errOut)
		require.Regexp(t, `^crier \S+, commit \S+.*, built with `+regexp.QuoteMeta(runtime.Version())+"\n$", out)
	}

	// The binary TestMain built.
	res, err := exec.Command(binary, "version").CombinedOutput()
	require.NoError(t, err, "%s", res)
	require.Regexp(t, `^crier \S+, commit \S+.*, built with go`, string(res))
}

func TestVersionLine(t *testing.T) {
	t.Parallel()
	info := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/crier-bot/crier", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	tests := []struct {
		name    string
		info    *debug.BuildInfo
		stamped stamp
		want    string
	}{
		{"a release shows its version and commit", info("v1.2.0", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "false"), stamp{},
			"crier v1.2.0, commit 0123456789ab, built with go1.26.8"},
		{"a build with local changes says so", info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), stamp{},
			"crier devel, commit 0123456789ab with local changes, built with go1.26.8"},
		{"make build's commit is used when the build info has none", info("(devel)"), stamp{commit: "91359c3", modified: "true"},
			"crier devel, commit 91359c3 with local changes, built with go1.26.8"},
		{"the build info wins over make build's commit", info("", "vcs.revision", "abcdef0123456789"), stamp{commit: "91359c3"},
			"crier devel, commit abcdef012345, built with go1.26.8"},
		{"nothing known", info(""), stamp{}, "crier devel, commit unknown, built with go1.26.8"},
		{"no build info at all", nil, stamp{}, "crier devel, commit unknown, built with " + runtime.Version()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, versionLine(tt.info, tt.stamped))
		})
	}
}

func TestMakeBuildSaysTheFirstBuildIsSlow(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make here")
	}
	for _, target := range []string{"build", "run"} {
		out, err := exec.Command("make", "-n", "-C", filepath.Join("..", ".."), target).CombinedOutput()
		require.NoError(t, err, "%s", out)
		var cmds []string
		for _, l := range strings.Split(string(out), "\n") {
			if l != "" && !strings.HasPrefix(l, "make") {
				cmds = append(cmds, l)
			}
		}
		require.NotEmpty(t, cmds)
		require.Contains(t, cmds[0], "Building crier (the first build compiles SQLite and takes a few minutes)…", "make %s says it first", target)
		require.Contains(t, string(out), "-X main.buildCommit=")
	}
}
