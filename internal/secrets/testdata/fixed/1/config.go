package config

import "os"

// Credentials of the upload bucket come from the environment.
var (
	awsAccessKeyID     = os.Getenv("AWS_ACCESS_KEY_ID")
	awsSecretAccessKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
)

// The sample key id of the AWS documentation.
const sampleKeyID = "{{AWS_KEY_ID_EXAMPLE}}"

// A key for the unit tests, allowed on purpose.
const testKeyID = "{{AWS_KEY_ID_2}}" // gitleaks:allow
