/** The services Stratus serves and the SDK package each model is extracted from. */
export const SERVICE_PACKAGES: Record<string, string> = {
  sts: "@aws-sdk/client-sts",
  iam: "@aws-sdk/client-iam",
  ec2: "@aws-sdk/client-ec2",
  lambda: "@aws-sdk/client-lambda",
  ecs: "@aws-sdk/client-ecs",
  ecr: "@aws-sdk/client-ecr",
  eks: "@aws-sdk/client-eks",
  lightsail: "@aws-sdk/client-lightsail",
  "auto-scaling": "@aws-sdk/client-auto-scaling",
  cloudwatch: "@aws-sdk/client-cloudwatch",
  "cloudwatch-logs": "@aws-sdk/client-cloudwatch-logs",
  pricing: "@aws-sdk/client-pricing",
  "cost-explorer": "@aws-sdk/client-cost-explorer",
  budgets: "@aws-sdk/client-budgets",
  s3: "@aws-sdk/client-s3",
  eventbridge: "@aws-sdk/client-eventbridge",
};
