"""Reference fixtures for @splitmask/eval (run with /usr/bin/python3: torch 1.13, numpy, sklearn).

  /usr/bin/python3 tools/fixtures_eval.py

- knn.json: DINO's `knn_classifier` (facebookresearch/dino eval_knn.py) re-implemented in torch on fixed
  random features: l2-normalised features, cosine similarity, top-k, weights exp(sim / T), votes summed per
  class. DINO sorts the class scores with torch's (unstable) sort; to make ties (classes with zero votes)
  deterministic the reference breaks them by the lower class index, as tf.topk does.
- logreg.json: two Gaussian-blob train/test sets and scikit-learn LogisticRegression test accuracy (on the
  standardised features, as the linear probe standardises them).
- logistic-regression.json: scikit-learn `StandardScaler` + `LogisticRegression(C, lbfgs, multinomial)`
  fitted to the optimum (tol 1e-10, max_iter 100000) on three small cases: overlapping blobs (C=1),
  more features than samples as in the 1 % label runs (C=0.1), and pixel-like features with a column
  that is constant in train (StandardScaler scales it by 1) and a strong penalty (C=0.01). It stores the
  test probabilities, accuracy, coefficients and the objective, for fitLogisticRegression's parity test.
"""
import json
import os

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', 'packages', 'eval', 'test', 'fixtures')


def r(x, nd=7):
    return [round(float(v), nd) for v in np.asarray(x).reshape(-1)]


@torch.no_grad()
def knn_classifier(train_features, train_labels, test_features, test_labels, k, T, num_classes):
    """DINO eval_knn.knn_classifier, verbatim apart from the chunking constant and tie-breaking."""
    top1, top5, total = 0.0, 0.0, 0
    train_features = train_features.t()
    num_test_images, num_chunks = test_labels.shape[0], 3
    imgs_per_chunk = (num_test_images + num_chunks - 1) // num_chunks
    retrieval_one_hot = torch.zeros(k, num_classes)
    all_probs, all_pred = [], []
    for idx in range(0, num_test_images, imgs_per_chunk):
        features = test_features[idx: min((idx + imgs_per_chunk), num_test_images), :]
        targets = test_labels[idx: min((idx + imgs_per_chunk), num_test_images)]
        batch_size = targets.shape[0]
        similarity = torch.mm(features, train_features)
        distances, indices = similarity.topk(k, largest=True, sorted=True)
        candidates = train_labels.view(1, -1).expand(batch_size, -1)
        retrieved_neighbors = torch.gather(candidates, 1, indices)
        retrieval_one_hot.resize_(batch_size * k, num_classes).zero_()
        retrieval_one_hot.scatter_(1, retrieved_neighbors.view(-1, 1), 1)
        distances_transform = distances.clone().div_(T).exp_()
        probs = torch.sum(
            torch.mul(retrieval_one_hot.view(batch_size, -1, num_classes), distances_transform.view(batch_size, -1, 1)),
            1,
        )
        # stable tie-break by class index (numpy lexsort: last key is primary)
        p = probs.numpy()
        order = np.stack([np.lexsort((np.arange(num_classes), -row)) for row in p])
        predictions = torch.from_numpy(order)
        correct = predictions.eq(targets.data.view(-1, 1))
        top1 = top1 + correct.narrow(1, 0, 1).sum().item()
        top5 = top5 + correct.narrow(1, 0, min(5, k, num_classes)).sum().item()
        total += targets.size(0)
        all_probs.append(p)
        all_pred.append(order[:, 0])
    return top1 * 100.0 / total, top5 * 100.0 / total, np.concatenate(all_probs), np.concatenate(all_pred)


def knn_case(name, seed, n_train, n_test, d, c, k, T):
    g = np.random.default_rng(seed)
    centers = g.normal(size=(c, d))
    ytr = g.integers(0, c, n_train)
    yte = g.integers(0, c, n_test)
    xtr = centers[ytr] + 1.5 * g.normal(size=(n_train, d))
    xte = centers[yte] + 1.5 * g.normal(size=(n_test, d))
    xtr, xte = xtr.astype(np.float32), xte.astype(np.float32)
    ftr = torch.nn.functional.normalize(torch.from_numpy(xtr), dim=1, p=2)
    fte = torch.nn.functional.normalize(torch.from_numpy(xte), dim=1, p=2)
    top1, top5, probs, pred = knn_classifier(ftr, torch.from_numpy(ytr), fte, torch.from_numpy(yte), k, T, c)
    return {
        'name': name, 'k': k, 'temperature': T, 'numClasses': c, 'dim': d,
        'trainFeatures': r(xtr), 'trainLabels': ytr.tolist(), 'testFeatures': r(xte), 'testLabels': yte.tolist(),
        'top1': top1, 'top5': top5, 'scores': r(probs, 5), 'predictions': pred.tolist(),
    }


def logreg_case(name, seed, n, d, c, spread):
    g = np.random.default_rng(seed)
    centers = g.normal(size=(c, d)) * 2.0
    def draw(m):
        y = g.integers(0, c, m)
        return (centers[y] + spread * g.normal(size=(m, d))).astype(np.float32), y
    xtr, ytr = draw(n)
    xte, yte = draw(n // 2)
    mu, sd = xtr.mean(0), np.sqrt(xtr.var(0) + 1e-6)
    clf = LogisticRegression(max_iter=2000, C=1.0).fit((xtr - mu) / sd, ytr)
    acc = float((clf.predict((xte - mu) / sd) == yte).mean() * 100)
    return {'name': name, 'numClasses': c, 'dim': d, 'trainFeatures': r(xtr), 'trainLabels': ytr.tolist(),
            'testFeatures': r(xte), 'testLabels': yte.tolist(), 'sklearnTop1': acc}


def sklearn_logreg_case(name, seed, n_train, n_test, d, c, spread, C, constant_col=False):
    g = np.random.default_rng(seed)
    centers = g.normal(size=(c, d)) * 2.0
    def draw(m):
        y = np.arange(m) % c  # every class present
        g.shuffle(y)
        x = centers[y] + spread * g.normal(size=(m, d))
        return x.astype(np.float32), y
    xtr, ytr = draw(n_train)
    xte, yte = draw(n_test)
    if constant_col:  # pixel-like: [0, 1], one column always 0 in train but not in test
        xtr, xte = 1 / (1 + np.exp(-xtr)), 1 / (1 + np.exp(-xte))
        xtr[:, 0] = 0.0
        xtr, xte = xtr.astype(np.float32), xte.astype(np.float32)
    scaler = StandardScaler().fit(xtr.astype(np.float64))
    ztr, zte = scaler.transform(xtr.astype(np.float64)), scaler.transform(xte.astype(np.float64))
    clf = LogisticRegression(C=C, tol=1e-10, max_iter=100000).fit(ztr, ytr)
    probs = clf.predict_proba(zte)
    # scikit-learn's objective divided by N: mean CE + ||W||^2 / (2 C N)
    ptr = clf.predict_proba(ztr)
    obj = -np.mean(np.log(ptr[np.arange(n_train), ytr])) + (clf.coef_ ** 2).sum() / (2 * C * n_train)
    return {'name': name, 'numClasses': c, 'dim': d, 'C': C, 'trainFeatures': r(xtr), 'trainLabels': ytr.tolist(),
            'testFeatures': r(xte), 'testLabels': yte.tolist(), 'probabilities': r(probs, 7),
            'top1': float((probs.argmax(1) == yte).mean() * 100), 'coef': r(clf.coef_.T, 7),
            'intercept': r(clf.intercept_, 7), 'objective': float(obj), 'iterations': int(clf.n_iter_[0])}


def main():
    os.makedirs(OUT, exist_ok=True)
    knn = [knn_case('10 classes, k=20, T=0.07', 0, 300, 70, 16, 10, 20, 0.07),
           knn_case('3 classes, k=5, T=0.5 (fewer classes than 5)', 1, 60, 25, 8, 3, 5, 0.5)]
    with open(os.path.join(OUT, 'knn.json'), 'w') as f:
        json.dump(knn, f)
    lr = [logreg_case('4 overlapping blobs', 2, 240, 6, 4, 2.0)]
    with open(os.path.join(OUT, 'logreg.json'), 'w') as f:
        json.dump(lr, f)
    sk = [sklearn_logreg_case('4 overlapping blobs, C=1', 3, 240, 120, 6, 4, 2.0, 1.0),
          sklearn_logreg_case('more features than samples (1 % labels), C=0.1', 4, 30, 60, 40, 3, 3.0, 0.1),
          sklearn_logreg_case('pixel-like, constant train column, C=0.01', 5, 200, 100, 12, 5, 1.5, 0.01, True)]
    with open(os.path.join(OUT, 'logistic-regression.json'), 'w') as f:
        json.dump(sk, f)
    for c in sk:
        print(c['name'], c['top1'], c['iterations'], c['objective'])
    for c in knn:
        print(c['name'], c['top1'], c['top5'])
    print(lr[0]['name'], lr[0]['sklearnTop1'])


if __name__ == '__main__':
    main()
