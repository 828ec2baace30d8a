package main

import (
	"fmt"
	"strings"
)

func (m *Main) runCheck(args []string) error {
	fs := m.flags("check")
	cfgPath := fs.String("config", "bot.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := m.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	w := m.Stdout
	fmt.Fprintf(w, "%s is valid.\n", *cfgPath)
	fmt.Fprintf(w, "timezone:  %s (dates like 03/04 read as %s)\n", cfg.Timezone, cfg.DateOrder)
	fmt.Fprintf(w, "languages: %s\n", strings.Join(cfg.Languages, ", "))
	fmt.Fprintf(w, "database:  %s\n", cfg.Database)
	if cfg.Chat.Shell != nil {
		fmt.Fprintf(w, "chat:      shell, as %s in #%s\n", cfg.Chat.Shell.User, cfg.Chat.Shell.Channel)
	}
	for role, who := range cfg.Roles {
		fmt.Fprintf(w, "role:      %s: %s\n", role, strings.Join(who, ", "))
	}
	for _, n := range cfg.Networks {
		switch n.Kind {
		case "file":
			fmt.Fprintf(w, "network:   %s (file): posts appended to %s, limit %d characters\n", n.Name, n.Outbox, n.Limit)
		default:
			fmt.Fprintf(w, "network:   %s (%s)\n", n.Name, n.Kind)
		}
	}
	fmt.Fprintf(w, "publish:   up to %d attempts, %s each\n", cfg.Publish.MaxAttempts, cfg.Publish.AttemptTimeout)
	return nil
}
