package config

import "time"

// The publish section: how deliveries are attempted.

func publishFields() []field[*Publish] {
	return []field[*Publish]{
		{key: "max_attempts", decode: func(d *decoder, e entry, p *Publish) (err error) {
			p.MaxAttempts, err = d.integer(e.v, e.path, 1, 50)
			return err
		}},
		{key: "attempt_timeout", decode: func(d *decoder, e entry, p *Publish) (err error) {
			p.AttemptTimeout, err = d.duration(e.v, e.path, time.Second, 10*time.Minute)
			return err
		}},
	}
}

func (d *decoder) publish(e entry, c *Config) error {
	_, err := section(d, e.v, e.path, "a mapping like {max_attempts: 8, attempt_timeout: 30s}", publishFields(), &c.Publish)
	return err
}
