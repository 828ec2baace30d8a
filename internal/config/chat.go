package config

// The chat section: the platforms crier listens on. Each has its own file
// (slack.go, discord.go); the shell, having two keys, lives here. A platform
// written with nothing after it is on, with its defaults ("shell:" alone
// turns the shell on), hence null: true.

func chatFields() []field[*Chat] {
	return []field[*Chat]{
		{key: "shell", null: true, decode: func(d *decoder, e entry, c *Chat) (err error) {
			c.Shell, err = d.shell(e)
			return err
		}},
		{key: "slack", null: true, decode: func(d *decoder, e entry, c *Chat) (err error) {
			c.Slack, err = d.slack(e)
			return err
		}},
		{key: "discord", null: true, decode: func(d *decoder, e entry, c *Chat) (err error) {
			c.Discord, err = d.discord(e)
			return err
		}},
	}
}

func (d *decoder) chat(e entry, c *Config) error {
	_, err := section(d, e.v, e.path, "a mapping like {shell: {user: you, channel: general}}", chatFields(), &c.Chat)
	return err
}

func shellFields() []field[*Shell] {
	return []field[*Shell]{
		{key: "user", decode: func(d *decoder, e entry, s *Shell) (err error) {
			s.User, err = d.text(e.v, e.path, "a name like you")
			return err
		}},
		{key: "channel", decode: func(d *decoder, e entry, s *Shell) (err error) {
			s.Channel, err = d.text(e.v, e.path, "a channel name like general")
			return err
		}},
	}
}

func (d *decoder) shell(e entry) (*Shell, error) {
	s := &Shell{User: defaultShellUser, Channel: defaultShellChannel}
	if _, err := section(d, e.v, e.path, "a mapping like {user: you, channel: general}", shellFields(), s); err != nil {
		return nil, err
	}
	return s, nil
}
