/**
 * The AWS SDK as swarmnode uses it: the clients and the commands the adapters send, nothing else.
 * The build bundles this module on its own, tree-shaken to these names, and the single executable
 * loads it on first use (scripts/sea/bundle.mjs); a process that never calls AWS (a worker's
 * `watch`) never holds it. A command the adapters start sending is added here, or the type check fails.
 */
export {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetInstanceHealthCommand,
} from '@aws-sdk/client-auto-scaling';
export { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
export { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
export { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
export { DeleteParameterCommand, GetParameterCommand, GetParametersByPathCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
