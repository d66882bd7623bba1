# Kept apart from swarmnode.pkr.hcl: `required_plugins` only exists from Packer 1.7 on, and the main
# template must also validate on older Packers (Debian 12 ships 1.6.6, where amazon-ebs is built in).
# With Packer >= 1.7: `packer init packer/ && packer build packer/`.
packer {
  required_version = ">= 1.7.0"
  required_plugins {
    amazon = {
      version = ">= 1.2.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}
