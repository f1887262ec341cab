import torch
import torch.nn.functional as F

from logreg_tui.training.functions import BCEWithLogits, Sigmoid, TutorialCrossEntropyWithLogits, TutorialSigmoid
from logreg_tui.training.gradcheck import N, check_mode


def test_custom_functions_pass_gradcheck_and_match_torch():
    passed, largest_difference, ratio = check_mode(Sigmoid.apply, BCEWithLogits.apply)
    assert passed
    assert largest_difference < 1e-12
    assert abs(ratio - 1.0) < 1e-12


def test_tutorial_functions_fail_gradcheck_by_a_factor_of_n():
    passed, largest_difference, ratio = check_mode(TutorialSigmoid.apply, TutorialCrossEntropyWithLogits.apply)
    assert not passed
    assert largest_difference > 0.1
    assert abs(ratio - N) < 1e-9


def test_custom_backward_chains_through_grad_output():
    z = torch.randn(5, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([0.0, 1, 1, 0, 1], dtype=torch.float64)
    (3.0 * BCEWithLogits.apply(z, y)).backward()
    reference = z.detach().clone().requires_grad_()
    (3.0 * F.binary_cross_entropy_with_logits(reference, y)).backward()
    torch.testing.assert_close(z.grad, reference.grad, rtol=0, atol=1e-15)


def test_custom_functions_are_stable_for_huge_logits():
    z = torch.tensor([-1e3, -50.0, 0.0, 50.0, 1e3], requires_grad=True)
    y = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0])
    loss = BCEWithLogits.apply(z, y)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(z.grad).all()
    torch.testing.assert_close(loss, F.binary_cross_entropy_with_logits(z.detach(), y))
    p = Sigmoid.apply(z)
    p.sum().backward()
    torch.testing.assert_close(p, torch.sigmoid(z.detach()), rtol=0, atol=0)
