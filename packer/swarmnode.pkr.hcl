# The swarmnode AMI: Debian 12, Docker engine enabled, the swarmnode binary and both units enabled,
# no swarm state or engine identity baked in, IMDSv2 required for every instance launched from it.
# Build the binary first (`npm run build`), then from the repository root:
#   packer init packer/ && packer build -var region=eu-west-1 packer/

variable "region" {
  type        = string
  description = "AWS region the AMI is built and registered in"
}

variable "arch" {
  type        = string
  default     = "x86_64"
  description = "x86_64, or arm64 for Graviton instances"
}

variable "instance_type" {
  type        = string
  default     = ""
  description = "Build instance type; empty picks t3.small (x86_64) or t4g.small (arm64)"
}

variable "ami_name_prefix" {
  type    = string
  default = "swarmnode"
}

locals {
  debian_arch   = var.arch == "arm64" ? "arm64" : "amd64"
  binary        = var.arch == "arm64" ? "swarmnode-linux-arm64" : "swarmnode"
  instance_type = var.instance_type != "" ? var.instance_type : (var.arch == "arm64" ? "t4g.small" : "t3.small")
  ami_name      = "${var.ami_name_prefix}-${var.arch}-${formatdate("YYYYMMDD-hhmmss", timestamp())}"
}

source "amazon-ebs" "swarmnode" {
  region        = var.region
  instance_type = local.instance_type
  ami_name      = local.ami_name
  ssh_username  = "admin"

  # Official Debian 12 images, published by the Debian cloud team's account.
  source_ami_filter {
    filters = {
      name                = "debian-12-${local.debian_arch}-*"
      architecture        = var.arch
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["136693071363"]
    most_recent = true
  }

  tags = {
    Name = local.ami_name
  }
}

build {
  sources = ["source.amazon-ebs.swarmnode"]

  provisioner "file" {
    sources     = ["${path.root}/../dist/${local.binary}", "${path.root}/../systemd/swarmnode-boot.service", "${path.root}/../systemd/swarmnode.service"]
    destination = "/tmp/"
  }

  provisioner "shell" {
    execute_command  = "sudo env {{ .Vars }} sh '{{ .Path }}'"
    environment_vars = ["SWARMNODE_BINARY=/tmp/${local.binary}"]
    scripts          = ["${path.root}/scripts/install.sh", "${path.root}/scripts/forget-identity.sh"]
  }

  # The AMI attribute ImdsSupport=v2.0 makes every instance launched from it require IMDSv2 tokens,
  # whatever its launch template says; the Packer that Debian ships cannot set it itself.
  post-processor "shell-local" {
    environment_vars = ["AMI_NAME=${local.ami_name}", "AWS_REGION=${var.region}"]
    script           = "${path.root}/scripts/require-imdsv2.sh"
  }
}
