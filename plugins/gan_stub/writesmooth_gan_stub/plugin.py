"""The GAN placeholder: a registered model that honestly declares it can do nothing yet.

This module is the smallest complete example of a model plugin; docs/writing-plugins.md walks
through it. It imports only writesmooth, so listing models stays fast.
"""
import writesmooth

NOT_YET = ("model 'gan-stub' cannot {action}: the GAN is a placeholder and not implemented; "
           "see docs/writing-plugins.md to build a real model plugin")


class GanStub(writesmooth.Model):
    name = "gan-stub"
    capabilities = frozenset()  # nothing yet: every action answers with one clear error
    description = "placeholder for a GAN handwriting model (not implemented)"
    aliases = ("gan",)  # the original pywritesmooth name

    @classmethod
    def train(cls, train, val, options, run=None):
        raise writesmooth.NotImplementedCapability(NOT_YET.format(action="train"))

    def write(self, texts, *, bias=writesmooth.DEFAULT_BIAS, seed=None, style=None):
        raise writesmooth.NotImplementedCapability(NOT_YET.format(action="write"))

    def smooth(self, sample, *, bias=writesmooth.DEFAULT_BIAS, seed=None):
        raise writesmooth.NotImplementedCapability(NOT_YET.format(action="smooth"))

    def evaluate(self, inks):
        raise writesmooth.NotImplementedCapability(NOT_YET.format(action="evaluate"))


@writesmooth.hookimpl
def register_models(register):
    register(GanStub)
