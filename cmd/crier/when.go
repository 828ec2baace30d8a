package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/crier-bot/crier/internal/config"
	"github.com/crier-bot/crier/internal/timeparse"
)

func (m *Main) runWhen(args []string) error {
	fs := m.flags("when")
	tz := fs.String("tz", "", "IANA timezone, like Europe/Bucharest (default: timezone in bot.yaml, else UTC)")
	nowFlag := fs.String("now", "", "pretend it is this RFC3339 instant (default: now)")
	lang := fs.String("lang", "", "phrase language: en or pt (default: both)")
	order := fs.String("date-order", "", "how 03/04 is read: dmy or mdy (default: date_order in bot.yaml, else dmy)")
	cfgPath := fs.String("config", "bot.yaml", "configuration file to take defaults from, if it exists")
	if err := fs.Parse(args); err != nil {
		return err
	}
	phrase := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(phrase) == "" {
		return fmt.Errorf("%w: give a time phrase, like: crier when tomorrow 9am", errUsage)
	}
	zone, dateOrder := "UTC", "dmy"
	if _, err := os.Stat(*cfgPath); err == nil {
		if cfg, err := config.LoadWith(*cfgPath, m.Getenv); err == nil {
			zone, dateOrder = cfg.Timezone, cfg.DateOrder
		}
	}
	if *tz != "" {
		zone = *tz
	}
	if *order != "" {
		dateOrder = *order
	}
	if dateOrder != "dmy" && dateOrder != "mdy" {
		return fmt.Errorf("%w: -date-order %q: use dmy or mdy", errUsage, dateOrder)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return fmt.Errorf("%w: -tz %q is not a timezone; use an IANA name like Europe/Bucharest or America/New_York", errUsage, zone)
	}
	now := m.Clock.Now()
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return fmt.Errorf("%w: -now %q: use RFC3339, like 2026-11-23T10:00:00+02:00", errUsage, *nowFlag)
		}
	}
	var langs []string
	switch *lang {
	case "":
	case "en", "pt":
		langs = []string{*lang}
	default:
		return fmt.Errorf("%w: -lang %q: use en or pt", errUsage, *lang)
	}
	p := timeparse.New(timeparse.Options{Languages: langs, DateOrder: timeparse.DateOrder(dateOrder)})
	t, err := p.Parse(phrase, loc, now)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, t.In(loc).Format(time.RFC3339))
	fmt.Fprintln(m.Stdout, timeparse.Human(t, loc, now))
	return nil
}
