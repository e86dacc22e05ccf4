"""PyTorch beginner tutorials "Quickstart", "Datasets & DataLoaders", "Transforms",
"Build the Neural Network", "Optimizing Model Parameters" and "Save and Load the Model",
on the 8x8 handwritten digits instead of FashionMNIST (no torchvision, no download)."""

import gzip
import os
import tempfile
from pathlib import Path

import numpy as np

DIGITS = Path(__file__).resolve().parents[3] / "microtensor" / "data" / "digits.csv.gz"


def main(torch, nn, F):
    from_ = torch.utils.data
    Dataset, DataLoader = from_.Dataset, from_.DataLoader
    out = {}

    # ---- a custom Dataset for your files
    class DigitsDataset(Dataset):
        def __init__(self, file, train=True, transform=None, target_transform=None):
            table = np.loadtxt(gzip.open(file), delimiter=",", dtype=np.int64)
            table = table[:600] if train else table[600:800]
            self.images = table[:, :64].reshape(-1, 8, 8).astype(np.uint8)
            self.img_labels = table[:, 64]
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image = self.images[idx]
            label = int(self.img_labels[idx])
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    def ToTensor():  # what torchvision's ToTensor does to a uint8 image, for 16 grey levels
        return lambda pic: torch.tensor(pic, dtype=torch.float32).unsqueeze(0) / 16.0

    training_data = DigitsDataset(DIGITS, train=True, transform=ToTensor())
    test_data = DigitsDataset(DIGITS, train=False, transform=ToTensor())

    labels_map = {i: str(i) for i in range(10)}
    picked = []
    for i in range(1, 3 * 3 + 1):
        sample_idx = torch.randint(len(training_data), size=(1,)).item()
        img, label = training_data[sample_idx]
        picked.append((sample_idx, labels_map[label], img.squeeze().shape))
    out["picked"] = picked

    # ---- the Lambda target transform of the Transforms tutorial
    target_transform = lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)  # noqa: E731
    ds = DigitsDataset(DIGITS, train=False, transform=ToTensor(), target_transform=target_transform)
    out["one_hot_target"] = ds[0][1].tolist()

    # ---- DataLoaders
    batch_size = 64

    # Create data loaders.
    train_dataloader = DataLoader(training_data, batch_size=batch_size, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)

    for X, y in test_dataloader:
        print(f"Shape of X [N, C, H, W]: {X.shape}")
        print(f"Shape of y: {y.shape} {y.dtype}")
        out["first_batch"] = (tuple(X.shape), tuple(y.shape), str(y.dtype), y[:8].tolist())
        break

    # Display image and label.
    train_features, train_labels = next(iter(train_dataloader))
    print(f"Feature batch shape: {train_features.size()}")
    print(f"Labels batch shape: {train_labels.size()}")
    img = train_features[0].squeeze()
    label = train_labels[0]
    print(f"Label: {label}")
    out["shuffled_labels"] = train_labels[:16].tolist()
    out["img_sum"] = img.sum().item()

    # ---- Creating Models
    # Get cpu, gpu or mps device for training (the quickstart of 2023).
    device = (
        "cuda"
        if torch.cuda.is_available()
        else "mps"
        if torch.backends.mps.is_available()
        else "cpu"
    )
    print(f"Using {device} device")
    # the quickstart of 2025
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    print(f"Using {device} device")
    out["device"] = str(device)

    # Define model
    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(8 * 8, 64),
                nn.ReLU(),
                nn.Linear(64, 64),
                nn.ReLU(),
                nn.Linear(64, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    print(model)
    out["model_repr"] = repr(model)

    X = torch.rand(1, 8, 8, device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    print(f"Predicted class: {y_pred}")
    out["untrained_probs"] = pred_probab[0].tolist()

    input_image = torch.rand(3, 8, 8)
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    layer1 = nn.Linear(in_features=8 * 8, out_features=20)
    hidden1 = layer1(flat_image)
    print(f"Before ReLU: {hidden1}\n\n")
    hidden1 = nn.ReLU()(hidden1)
    print(f"After ReLU: {hidden1}")
    out["hidden1"] = (tuple(flat_image.size()), hidden1[0].tolist())

    print(f"Model structure: {model}\n\n")
    sizes = []
    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
        sizes.append((name, tuple(param.size())))
    out["named_parameters"] = sizes

    # ---- Optimizing the Model Parameters
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

    train_log = []

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)

            # Compute prediction error
            pred = model(X)
            loss = loss_fn(pred, y)

            # Backpropagation
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

            if batch % 4 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
                train_log.append(loss)

    test_log = []

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
        test_log.append((test_loss, correct))

    epochs = 5
    for t in range(epochs):
        print(f"Epoch {t+1}\n-------------------------------")
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    print("Done!")
    out["train_log"] = train_log
    out["test_log"] = test_log

    # ---- a regression on synthetic tensors: TensorDataset, random_split, Adam, MSELoss
    TensorDataset, random_split = from_.TensorDataset, from_.random_split
    X = torch.randn(256, 3)
    true_w = torch.tensor([[2.0], [-3.4], [1.5]])
    y = X @ true_w + 4.2 + 0.01 * torch.randn(256, 1)
    dataset = TensorDataset(X, y)
    train_set, val_set = random_split(dataset, [0.75, 0.25], generator=torch.Generator().manual_seed(42))
    out["split_sizes"] = (len(train_set), len(val_set), train_set.indices[:8])
    loader = DataLoader(train_set, batch_size=32, shuffle=True, drop_last=True)
    net = nn.Linear(3, 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    criterion = nn.MSELoss()
    for epoch in range(10):
        net.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        xv = torch.stack([val_set[i][0] for i in range(len(val_set))])
        yv = torch.stack([val_set[i][1] for i in range(len(val_set))])
        val_loss = criterion(net(xv), yv).item()
    print(f"val loss {val_loss:.4f}, w {net.weight.data.squeeze().tolist()}, b {net.bias.item():.3f}")
    out["regression"] = (val_loss, net.weight.detach().squeeze().tolist(), net.bias.item())

    # ---- Saving and Loading Models
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "model.pth")
    torch.save(model.state_dict(), path)
    print("Saved PyTorch Model State to model.pth")
    out["state_dict_keys"] = list(model.state_dict().keys())

    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load(path, weights_only=True))

    classes = tuple(str(i) for i in range(10))

    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
        print(f'Predicted: "{predicted}", Actual: "{actual}"')
    out["prediction"] = (predicted, actual)

    # the whole model, pickled (its class must be importable: in a script it is a global)
    NeuralNetwork.__qualname__ = "NeuralNetwork"
    globals()["NeuralNetwork"] = NeuralNetwork
    torch.save(model, path)
    model2 = torch.load(path, weights_only=False)
    out["whole_model_same"] = (model2(x) == model(x)).all().item()

    # a checkpoint dict with the optimizer's state
    torch.save({
        'epoch': epochs,
        'model_state_dict': model.state_dict(),
        'optimizer_state_dict': optimizer.state_dict(),
        'loss': test_log[-1][0],
    }, path)
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint['model_state_dict'])
    optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
    out["checkpoint"] = (checkpoint['epoch'], checkpoint['loss'])
    return out


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _backend import cli

    cli(main)
