package config

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSecretsHoldsEverySecret sets every string field of a Config whose name
// says it is a secret (Token, Secret, Password, APIKey) to a value of its own, and
// checks that Secrets returns each: a secret added to Config without being
// added to Secrets would be shown unredacted by crier check.
func TestSecretsHoldsEverySecret(t *testing.T) {
	t.Parallel()
	c := &Config{Chat: Chat{Shell: &Shell{}, Slack: &Slack{}, Discord: &Discord{}}, Networks: make([]Network, 2)}
	var want []string
	var fill func(v reflect.Value, path string)
	fill = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				fill(v.Elem(), path)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Struct {
				for i := range v.Len() {
					fill(v.Index(i), path+"["+strconv.Itoa(i)+"]")
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				p := path + "." + f.Name
				if f.Type.Kind() == reflect.String && (strings.Contains(f.Name, "Token") || strings.Contains(f.Name, "Secret") || strings.Contains(f.Name, "Password") || f.Name == "APIKey") {
					v.Field(i).SetString("secret-of-" + p)
					want = append(want, "secret-of-"+p)
					continue
				}
				fill(v.Field(i), p)
			}
		}
	}
	fill(reflect.ValueOf(c).Elem(), "Config")
	for _, s := range []string{"secret-of-Config.HTTP.APIToken", "secret-of-Config.Writer.APIKey"} {
		if !slices.Contains(want, s) {
			t.Fatalf("the walk found no %s: %q", strings.TrimPrefix(s, "secret-of-Config."), want)
		}
	}
	got := c.Secrets()
	for _, s := range want {
		if !slices.Contains(got, s) {
			t.Errorf("Secrets() leaves out %s", strings.TrimPrefix(s, "secret-of-"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("Secrets() = %q, want only %q", got, want)
	}
}

func TestSecretsLeavesOutEmptyOnes(t *testing.T) {
	t.Parallel()
	c, err := parse("networks: [{name: sandbox, kind: file, outbox: o}]\nhttp: {listen: \":8080\", api_token: \"${CRIER_API_TOKEN}\"}\n",
		map[string]string{"CRIER_API_TOKEN": "0123456789abcdef0123"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Secrets(); !reflect.DeepEqual(got, []string{"0123456789abcdef0123"}) {
		t.Errorf("Secrets() = %q, want only the API token", got)
	}
}
