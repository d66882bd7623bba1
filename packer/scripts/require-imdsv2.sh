#!/bin/sh
# Runs on the machine running Packer, after the AMI is registered: sets the AMI attribute that makes
# instances launched from it require IMDSv2 (session tokens), which swarmnode itself uses.
set -eu

: "${AMI_NAME:?name of the AMI just built}"
: "${AWS_REGION:?region of the AMI}"

ami_id=$(aws ec2 describe-images --region "$AWS_REGION" --owners self \
  --filters "Name=name,Values=$AMI_NAME" --query 'Images[0].ImageId' --output text)
case "$ami_id" in
  ami-*) ;;
  *) echo "require-imdsv2: no AMI named $AMI_NAME in $AWS_REGION" >&2; exit 1 ;;
esac
aws ec2 modify-image-attribute --region "$AWS_REGION" --image-id "$ami_id" --imds-support v2.0
echo "require-imdsv2: $ami_id ($AMI_NAME) now requires IMDSv2"
